import { RemixBrowser } from '@remix-run/react';
import { startTransition, StrictMode } from 'react';
import { hydrateRoot } from 'react-dom/client';
import { createBrowserI18nHost } from '~/utils/i18n-browser';
import { I18nHostProvider } from '~/utils/i18n-document';

// Synchronously, from the translations the server put into the page: hydration renders the same text.
const i18nHost = createBrowserI18nHost(document);

startTransition(() => {
  hydrateRoot(
    document,
    <StrictMode>
      <I18nHostProvider value={i18nHost}>
        <RemixBrowser />
      </I18nHostProvider>
    </StrictMode>,
  );
});
