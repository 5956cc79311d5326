/**
 * Queries whose SQL text is built once per database rather than on every call: drizzle turns a
 * builder into SQL (`buildSelectQuery`, `sqlToQuery`) each time it runs, which on a hot page is a
 * measurable share of the request's CPU. A prepared query keeps that text and only fills in its
 * `sql.placeholder(...)` values when it runs.
 *
 * Why not drizzle's `prepare(name)`: on postgres-js a name makes drizzle pass `prepare: true` to
 * `client.unsafe`, so postgres.js creates a named server-side prepared statement on each
 * connection. This app does not use those (an attempt failed and was reverted), so the query is
 * prepared without a name (`_prepare()`, what drizzle itself runs for `await query`): the same
 * SQL, sent as an unnamed statement exactly as before.
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
