/**
 * The hot anonymous pages' reads (the product page, the search results' cards), prepared twice
 * over:
 * - **SQL text built once per database**: drizzle turns a builder into SQL (`buildSelectQuery`,
 *   `sqlToQuery`) each time it runs, a measurable share of a page's CPU. A prepared query keeps
 *   that text and only fills in its `sql.placeholder(...)` values.
 * - **Planned once per connection** (PostgreSQL): a name makes drizzle pass `prepare: true` to
 *   postgres.js, which keeps a named server-side statement per connection (keyed by text and
 *   parameter types, whatever the name) and from then on sends only Bind/Execute. Unprepared,
 *   PostgreSQL parsed and planned the product page's seven-table query on every visit, which cost
 *   more than running it (≈3 ms of the database's CPU per page; `npm run bench`: a product page
 *   on a cache miss went from ≈119 to ≈190 req/s). postgres.js starts afresh on a new connection
 *   and prepares a statement again when a schema change made its plan's result type stale
 *   (tests/integration/product-page-queries.test.ts covers both). PGlite ignores the name.
 *
 * Only these reads are prepared on the server: everything else (transactions included) is sent
 * unprepared, as drizzle does by default. Nothing may drop a connection's statements behind
 * postgres.js's back (`DISCARD ALL`, `DEALLOCATE`): tried in a test, its next run of the query
 * hung. So a connection pooler in front of PostgreSQL must keep prepared statements per client
 * (PgBouncer ≥ 1.21 with `max_prepared_statements`, or session pooling).
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
 * `productBySlug(db).execute({ slug })`. A transaction gets a query of its own each time, built on
 * its connection and sent unprepared, so a query prepared on `db` never runs inside a transaction
 * and no transaction leaves a statement on the server.
 */
export function preparedQuery<Prepared>(build: (db: Db) => PreparableQuery<Prepared>): (db: Db) => Prepared {
  const byDb = new WeakMap<Db, Prepared>();
  return (db) => {
    if (is(db, PgTransaction)) return prepareUnnamed(build(db));
    let prepared = byDb.get(db);
    if (!prepared) {
      // postgres.js names the server-side statement itself; drizzle only needs a name to ask for one.
      prepared = build(db).prepare('app_read');
      byDb.set(db, prepared);
    }
    return prepared;
  };
}

function prepareUnnamed<Prepared>(query: PreparableQuery<Prepared>): Prepared {
  const prepare = (query as { _prepare?: (name?: string) => Prepared })._prepare;
  // drizzle marks `_prepare` internal: should an upgrade drop it, fail loudly rather than fall
  // back to named (server-side) statements inside transactions.
  if (typeof prepare !== 'function') throw new Error('drizzle query builders no longer have _prepare(): update app/utils/prepared.server.ts');
  return prepare.call(query);
}
