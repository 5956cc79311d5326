import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { openDatabase, queryRows } from '~/utils/db.server';

describe('the embedded database folder', () => {
  it('keeps data across reopening', { timeout: 120_000 }, async () => {
    const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'dibiao-pglite-')), 'db');
    const first = await openDatabase({ driver: 'pglite', dataDir: dir });
    await first.db.execute(sql`create table kept (v text)`);
    await first.db.execute(sql`insert into kept values ('秭归脐橙')`);
    await first.close();
    const second = await openDatabase({ driver: 'pglite', dataDir: dir });
    expect(await queryRows(second.db, sql`select v from kept`)).toEqual([{ v: '秭归脐橙' }]);
    await second.close();
  });

  it('refuses a folder another live process holds, and takes over one a dead process left', { timeout: 120_000 }, async () => {
    const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'dibiao-pglite-')), 'db');
    fs.writeFileSync(`${dir}.lock`, String(process.ppid));
    await expect(openDatabase({ driver: 'pglite', dataDir: dir })).rejects.toThrow(/in use by process/);
    fs.writeFileSync(`${dir}.lock`, '2147483646');
    const database = await openDatabase({ driver: 'pglite', dataDir: dir });
    expect(fs.readFileSync(`${dir}.lock`, 'utf8')).toBe(String(process.pid));
    await database.close();
    expect(fs.existsSync(`${dir}.lock`)).toBe(false);
  });
});
