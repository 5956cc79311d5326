import { Writable } from 'node:stream';
import type { AppLoadContext, EntryContext } from '@remix-run/node';
import { RemixServer } from '@remix-run/react';
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
export { watchCatalogVersion } from '~/utils/catalog-version.server';
export { isPostgresWriteOnClosedSocket } from '~/utils/postgres-guard.server';
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
  // The whole document is rendered before the answer starts, and sent as one body. No page
  // defers data (no <Suspense>/<Await>), so streaming would start no earlier; it would only cut
  // the page into many small writes, each flushed through compression to the socket (measured:
  // socket and zlib work per chunk was a sixth of a product page's CPU).
  return new Promise((resolve, reject) => {
    let settled = false;
    const chunks: Buffer[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        chunks.push(chunk);
        callback();
      },
      final(callback) {
        settled = true;
        const body = Buffer.concat(chunks);
        responseHeaders.set('Content-Type', 'text/html; charset=utf-8');
        responseHeaders.set('Content-Length', String(body.byteLength));
        resolve(new Response(body, { headers: responseHeaders, status: responseStatusCode }));
        callback();
      },
    });
    const { pipe, abort } = renderToPipeableStream(
      <NonceProvider value={nonce}>
        <I18nHostProvider value={i18nHost}>
          <RemixServer context={remixContext} url={request.url} abortDelay={streamTimeout} nonce={nonce} />
        </I18nHostProvider>
      </NonceProvider>,
      {
        nonce,
        onAllReady() {
          pipe(sink);
        },
        onShellError(error: unknown) {
          settled = true;
          reject(error);
        },
        onError(error: unknown) {
          responseStatusCode = 500;
          if (settled) console.error(error);
        },
      },
    );
    setTimeout(abort, streamTimeout + 1000).unref();
  });
}
