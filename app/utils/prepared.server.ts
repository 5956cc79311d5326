/**
 * The hot anonymous pages' reads (the product page, the search results' cards), with their SQL
 * text built once per database: drizzle turns a builder into SQL (`buildSelectQuery`,
 * `sqlToQuery`) each time it runs, a measurable share of a page's CPU. A prepared query keeps that
 * text and only fills in its `sql.placeholder(...)` values.
 *
 * They are sent as unnamed statements, as drizzle sends every query, so PostgreSQL still plans
 * each run. Named server-side statements (drizzle's `prepare(name)` makes postgres.js keep one per
 * connection) were measured twice: a product page on a cache miss went from ≈119 to ≈190 req/s,
 * since planning the product query cost PostgreSQL more than running it. Both times a CI run of the
 * faults-under-load journey then saw a buyer's resubmitted checkout answer 500 after the database's
 * backends were killed (not reproduced locally in nine runs, also under CPU load), so both were
 * reverted. Named statements would also need a pooler that keeps them per client, and postgres.js
 * hangs when something drops them behind its back (`DISCARD ALL`, found in a test).
 */
import { is } from 'drizzle-orm';
import { PgTransaction } from 'drizzle-orm/pg-core';
import type { Db } from './db.server';

/** A drizzle query builder: its `prepare(name)` tells the prepared query's type. */
interface PreparableQuery<Prepared> {
  prepare(name: string): Prepared;
}

/**
 * A query built once per `Db` (a server has one, the tests open many) and reused: call the result
 * with the database and run it with its placeholder values,
 * `productBySlug(db).execute({ slug })`. A transaction gets a query of its own each time (built on
 * its connection, never cached), so a query prepared on `db` never runs inside a transaction.
 */
export function preparedQuery<Prepared>(build: (db: Db) => PreparableQuery<Prepared>): (db: Db) => Prepared {
  const byDb = new WeakMap<Db, Prepared>();
  return (db) => {
    if (is(db, PgTransaction)) return prepareUnnamed(build(db));
    let prepared = byDb.get(db);
    if (!prepared) {
      prepared = prepareUnnamed(build(db));
      byDb.set(db, prepared);
    }
    return prepared;
  };
}

function prepareUnnamed<Prepared>(query: PreparableQuery<Prepared>): Prepared {
  const prepare = (query as { _prepare?: (name?: string) => Prepared })._prepare;
  // drizzle marks `_prepare` internal: should an upgrade drop it, fail loudly rather than fall
  // back to named (server-side) statements.
  if (typeof prepare !== 'function') throw new Error('drizzle query builders no longer have _prepare(): update app/utils/prepared.server.ts');
  return prepare.call(query);
}
