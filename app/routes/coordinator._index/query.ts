import type { BoardFilter } from '~/models/report-board.server';

const KEYS = ['status', 'kind', 'province', 'region', 'overdue', 'assignee', 'page'] as const;

/** The board's query string for a filter with changes (undefined removes a key); page 1 is left out. */
export function boardQuery(filter: BoardFilter, changes: Partial<Record<keyof BoardFilter, string | number | boolean | undefined>> = {}): string {
  const merged: Record<string, unknown> = { ...filter, ...changes };
  const params = new URLSearchParams();
  for (const key of KEYS) {
    const value = merged[key];
    if (value === undefined || value === null || value === false || value === '' || (key === 'page' && Number(value) === 1)) continue;
    params.set(key, value === true ? '1' : String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}
