/**
 * i18next backend for the browser: a namespace the page did not carry inline is fetched from
 * /locales/<lng>/<ns>.json?v=<translations version> (app/routes/locales.$lng.$ns), which the
 * browser may cache for a year because the version changes with the texts.
 */
import type { BackendModule, ReadCallback } from 'i18next';

export interface TranslationsBackendOptions {
  /** TRANSLATIONS_VERSION as the page carried it; without it the answer is revalidated each time. */
  version?: string;
  fetch?: typeof fetch;
}

export function translationsUrl(language: string, namespace: string, version?: string): string {
  const file = `/locales/${encodeURIComponent(language)}/${encodeURIComponent(namespace)}.json`;
  return version ? `${file}?v=${encodeURIComponent(version)}` : file;
}

export class TranslationsBackend implements BackendModule<TranslationsBackendOptions> {
  static type = 'backend' as const;
  type = 'backend' as const;
  callbackApi = true;
  private options: TranslationsBackendOptions = {};

  init(_services: unknown, options: TranslationsBackendOptions = {}) {
    this.options = options;
  }

  read(language: string, namespace: string, callback: ReadCallback) {
    void this.fetchNamespace(language, namespace).then(({ error, data, retry }) => (error ? callback(error, retry) : callback(null, data)));
  }

  private async fetchNamespace(language: string, namespace: string): Promise<{ error: Error | null; data?: Record<string, unknown>; retry: boolean }> {
    const url = translationsUrl(language, namespace, this.options.version);
    try {
      const response = await (this.options.fetch ?? fetch)(url, { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
      // A 404 (no such language or namespace) stays one; a server error or a dropped connection may pass.
      if (!response.ok) return { error: new Error(`${url} answered ${response.status}`), retry: response.status >= 500 };
      return { error: null, data: (await response.json()) as Record<string, unknown>, retry: false };
    } catch (error) {
      return { error: error instanceof Error ? error : new Error(String(error)), retry: true };
    }
  }
}
