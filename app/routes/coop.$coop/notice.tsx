import { useSearchParams } from '@remix-run/react';
import { useTranslation } from '~/utils/use-translation';

/** Notices the portal shows after a redirect (`?notice=<key>`); unknown keys show nothing. */
export const NOTICES = ['created', 'saved', 'published', 'unpublished', 'archived', 'restored', 'variantAdded', 'variantSaved', 'stockAdjusted', 'imageAdded', 'imageDeleted', 'imageMoved', 'stalledDeclared', 'stalledCleared', 'imported'] as const;
export type NoticeKey = (typeof NOTICES)[number];

export function withNotice(path: string, notice: NoticeKey, extra: Record<string, string | number> = {}): string {
  const params = new URLSearchParams({ notice, ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, String(v)])) });
  return `${path}?${params}`;
}

export function Notice() {
  const [params] = useSearchParams();
  const { t } = useTranslation();
  const key = params.get('notice');
  if (!key || !(NOTICES as readonly string[]).includes(key)) return null;
  const values = Object.fromEntries([...params.entries()].filter(([k]) => k !== 'notice').map(([k, v]) => [k, Number.isFinite(Number(v)) ? Number(v) : v]));
  return (
    <p className="form-notice" role="status">
      {t(`coop:notices.${key}`, values)}
    </p>
  );
}
