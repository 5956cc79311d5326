/**
 * The settlement ledger as a cooperative reads it: what the operator owes it per cooperative
 * order (goods + shipping − refunds), for a period, on screen and as CSV. Periods are calendar
 * days in China Standard Time (UTC+8), `from` and `to` both included.
 */
import { stringify } from 'csv-stringify/sync';
import { sql } from 'drizzle-orm';
import { queryRows, type Db } from '~/utils/db.server';

export interface LedgerPeriod {
  /** YYYY-MM-DD, China time. */
  from: string;
  to: string;
}

export interface LedgerEntry {
  id: number;
  createdAt: Date;
  kind: 'goods' | 'shipping' | 'refund';
  amountFen: number;
  cooperativeOrderId: string;
  orderNumber: string;
  note: string;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

export function isDay(value: string): boolean {
  if (!DAY.test(value)) return false;
  const d = new Date(`${value}T00:00:00+08:00`);
  return !Number.isNaN(d.getTime()) && chinaDay(d) === value;
}

/** The calendar day (China time) of an instant. */
export function chinaDay(at: Date): string {
  return new Date(at.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);
}

/** The current month so far (China time), the default period. */
export function defaultPeriod(now: Date): LedgerPeriod {
  const today = chinaDay(now);
  return { from: `${today.slice(0, 7)}-01`, to: today };
}

function bounds(period: LedgerPeriod) {
  const start = new Date(`${period.from}T00:00:00+08:00`);
  const end = new Date(new Date(`${period.to}T00:00:00+08:00`).getTime() + 86_400_000);
  return { start: start.toISOString(), end: end.toISOString() };
}

export async function listLedger(db: Db, cooperativeId: number, period: LedgerPeriod): Promise<LedgerEntry[]> {
  const { start, end } = bounds(period);
  const rows = await queryRows<{ id: number; created_at: Date | string; kind: LedgerEntry['kind']; amount_fen: number; cooperative_order_id: string; number: string; note: string }>(
    db,
    sql`SELECT s.id::int AS id, s.created_at, s.kind, s.amount_fen, s.cooperative_order_id, o.number, s.note
        FROM settlement_entries s
        JOIN cooperative_orders co ON co.id = s.cooperative_order_id
        JOIN orders o ON o.id = co.order_id
        WHERE s.cooperative_id = ${cooperativeId} AND s.created_at >= ${start}::timestamptz AND s.created_at < ${end}::timestamptz
        ORDER BY s.created_at, s.id`,
  );
  return rows.map((r) => ({
    id: Number(r.id),
    createdAt: new Date(r.created_at),
    kind: r.kind,
    amountFen: Number(r.amount_fen),
    cooperativeOrderId: r.cooperative_order_id,
    orderNumber: r.number,
    note: r.note,
  }));
}

export interface LedgerTotals {
  goodsFen: number;
  shippingFen: number;
  refundsFen: number;
  /** goods + shipping − refunds: what the operator owes for the period. */
  netFen: number;
}

export function ledgerTotals(entries: readonly LedgerEntry[]): LedgerTotals {
  const sum = (kind: LedgerEntry['kind']) => entries.filter((e) => e.kind === kind).reduce((n, e) => n + e.amountFen, 0);
  const goodsFen = sum('goods');
  const shippingFen = sum('shipping');
  const refundsFen = -sum('refund') || 0;
  return { goodsFen, shippingFen, refundsFen, netFen: goodsFen + shippingFen - refundsFen };
}

/** Per cooperative order: goods + shipping − refunds (all time), for the order page and tests. */
export async function cooperativeOrderBalance(db: Db, cooperativeOrderId: string): Promise<LedgerTotals> {
  const rows = await queryRows<{ kind: LedgerEntry['kind']; total: number }>(
    db,
    sql`SELECT kind, sum(amount_fen)::int AS total FROM settlement_entries WHERE cooperative_order_id = ${cooperativeOrderId}::uuid GROUP BY kind`,
  );
  const of = (kind: string) => Number(rows.find((r) => r.kind === kind)?.total ?? 0);
  return { goodsFen: of('goods'), shippingFen: of('shipping'), refundsFen: -of('refund') || 0, netFen: of('goods') + of('shipping') + of('refund') };
}

const yuan = (fen: number) => (fen / 100).toFixed(2);

/**
 * The ledger as CSV for a spreadsheet: a UTF-8 byte-order mark (so Excel reads Chinese), one row
 * per entry with amounts in yuan, then a total row. `headers` are in the reader's language.
 */
export function ledgerCsv(entries: readonly LedgerEntry[], headers: { date: string; order: string; kind: string; amount: string; note: string; total: string }, kindLabel: (kind: LedgerEntry['kind']) => string): string {
  const rows: string[][] = [[headers.date, headers.order, headers.kind, headers.amount, headers.note]];
  for (const e of entries) rows.push([chinaDay(e.createdAt), e.orderNumber, kindLabel(e.kind), yuan(e.amountFen), e.note]);
  rows.push([headers.total, '', '', yuan(ledgerTotals(entries).netFen), '']);
  // Cells a spreadsheet would run as formulas are quoted with a leading apostrophe.
  const safe = rows.map((r) => r.map((c) => (/^[=+\-@\t\r]/.test(c) && !/^-?\d+(\.\d+)?$/.test(c) ? `'${c}` : c)));
  return '\uFEFF' + stringify(safe, { record_delimiter: '\r\n' });
}
