import { PassThrough } from 'node:stream';
import { createReadableStreamFromReadable, type AppLoadContext, type EntryContext } from '@remix-run/node';
import { RemixServer } from '@remix-run/react';
import { isbot } from 'isbot';
import { renderToPipeableStream } from 'react-dom/server';
import { LOCALES } from '~/locales';
import { serverI18nHost } from '~/utils/i18n';
import { I18nHostProvider } from '~/utils/i18n-document';
import { getLocale } from '~/utils/locale.server';
import { NonceProvider } from '~/utils/nonce-provider';

export { createAppContext } from '~/utils/context.server';
export { parseEnv } from '~/utils/env.server';
export { startBackgroundWork } from '~/utils/background.server';
export { isCrossSiteRequest, securityHeaders } from '~/utils/security.server';
export { createPageCache } from '~/utils/page-cache.server';
export { loggablePath, requestIdFrom, runWithRequestId } from '~/utils/request-context.server';

export const streamTimeout = 5_000;

// i18next for each language, built once here rather than per request; a request only picks one.
const i18nHosts = new Map(LOCALES.map((locale) => [locale, serverI18nHost(locale)]));

export default function handleRequest(
  request: Request,
  responseStatusCode: number,
  responseHeaders: Headers,
  remixContext: EntryContext,
  loadContext: AppLoadContext,
) {
  const nonce = loadContext.cspNonce ?? '';
  const i18nHost = i18nHosts.get(getLocale(request))!;
  // Crawlers and our own smoke tests get the whole document at once; people get it streamed.
  const waitForAll = isbot(request.headers.get('user-agent') ?? '');
  return new Promise((resolve, reject) => {
    let shellRendered = false;
    const { pipe, abort } = renderToPipeableStream(
      <NonceProvider value={nonce}>
        <I18nHostProvider value={i18nHost}>
          <RemixServer context={remixContext} url={request.url} abortDelay={streamTimeout} nonce={nonce} />
        </I18nHostProvider>
      </NonceProvider>,
      {
        nonce,
        [waitForAll ? 'onAllReady' : 'onShellReady']() {
          shellRendered = true;
          const body = new PassThrough();
          responseHeaders.set('Content-Type', 'text/html; charset=utf-8');
          resolve(new Response(createReadableStreamFromReadable(body), { headers: responseHeaders, status: responseStatusCode }));
          pipe(body);
        },
        onShellError(error: unknown) {
          reject(error);
        },
        onError(error: unknown) {
          responseStatusCode = 500;
          if (shellRendered) console.error(error);
        },
      },
    );
    setTimeout(abort, streamTimeout + 1000);
  });
}
