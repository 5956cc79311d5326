import { useSearchParams } from '@remix-run/react';
import { useTranslation } from '~/utils/use-translation';

/** Notices after a fulfilment redirect (`?done=<key>`); unknown keys show nothing. */
export const DONE = ['confirmed', 'shipped', 'delivered', 'cancelled', 'refunded', 'refundPending', 'accepted', 'disputed', 'decided', 'claimFiled'] as const;
export type DoneKey = (typeof DONE)[number];

export function withDone(path: string, key: DoneKey): string {
  return `${path}?${new URLSearchParams({ done: key })}`;
}

export function DoneNotice() {
  const [params] = useSearchParams();
  const { t } = useTranslation();
  const key = params.get('done');
  if (!key || !(DONE as readonly string[]).includes(key)) return null;
  return (
    <p className="form-notice" role="status">
      {t(`coop:fulfilment.notices.${key}`)}
    </p>
  );
}

export function formatDateTime(iso: string | null, language: string): string {
  if (!iso) return '';
  return new Intl.DateTimeFormat(language, { dateStyle: 'short', timeStyle: 'short', timeZone: 'Asia/Shanghai' }).format(new Date(iso));
}
