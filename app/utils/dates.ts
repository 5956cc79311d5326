/** Whole days from `now` until the end of the ISO date `isoDate` (may be negative). */
export function daysUntil(isoDate: string, now: Date): number {
  const end = Date.parse(`${isoDate}T00:00:00+08:00`);
  const startOfToday = Date.parse(`${now.toLocaleDateString('sv-SE', { timeZone: 'Asia/Shanghai' })}T00:00:00+08:00`);
  return Math.round((end - startOfToday) / 86_400_000);
}
