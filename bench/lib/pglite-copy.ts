/**
 * Copies a loaded PostgreSQL benchmark database into an embedded PGlite data folder: the schema
 * comes from the app's migrations, the rows from `pg_dump --data-only` fed to PGlite with
 * `COPY … FROM '/dev/blob'`. Generating a large synthetic catalog inside PGlite (wasm, one
 * connection) takes several times longer than on PostgreSQL; copying the finished rows does not
 * redo the search-document build. Needs pg_dump on the PATH (the version of the server or newer).
 */
import { spawn } from 'node:child_process';
import readline from 'node:readline';
import { PGlite } from '@electric-sql/pglite';
import { openDatabase } from '~/utils/db.server';

export interface CopySummary {
  tables: number;
  rows: number;
  seconds: number;
}

/** Loads every row of `url` (public schema) into a fresh PGlite at `dataDir`, then VACUUM ANALYZE. */
export async function copyPostgresToPglite(url: string, dataDir: string): Promise<CopySummary> {
  const started = performance.now();
  const schema = await openDatabase({ driver: 'pglite', dataDir });
  try {
    await schema.migrate();
  } finally {
    await schema.close();
  }
  const pg = await PGlite.create({ dataDir });
  let tables = 0;
  let rows = 0;
  try {
    // Migrations may insert rows of their own: start from empty tables, as the dump expects.
    const { rows: names } = await pg.query<{ name: string }>(`SELECT quote_ident(tablename) AS name FROM pg_tables WHERE schemaname = 'public'`);
    if (names.length > 0) await pg.exec(`TRUNCATE ${names.map((n) => `public.${n.name}`).join(', ')} CASCADE`);
    // Rows arrive table by table in dump order: no foreign-key or trigger checks while they do.
    await pg.exec(`SET session_replication_role = replica`);

    const dump = spawn('pg_dump', ['--data-only', '--no-owner', '--no-privileges', '--exclude-schema=drizzle', `--dbname=${url}`], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    dump.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number>((resolve, reject) => {
      dump.on('error', reject);
      dump.on('close', (code) => resolve(code ?? 1));
    });

    let statement = '';
    let copy: { command: string; lines: string[] } | null = null;
    for await (const line of readline.createInterface({ input: dump.stdout, crlfDelay: Infinity })) {
      if (copy) {
        if (line === '\\.') {
          const data = copy.lines.length > 0 ? `${copy.lines.join('\n')}\n` : '';
          await pg.query(copy.command, [], { blob: new Blob([data]) });
          tables += 1;
          rows += copy.lines.length;
          copy = null;
        } else {
          copy.lines.push(line);
        }
        continue;
      }
      const copyHead = /^COPY (.+) FROM stdin;$/.exec(line);
      if (copyHead) {
        copy = { command: `COPY ${copyHead[1]} FROM '/dev/blob'`, lines: [] };
        continue;
      }
      // Comments, and psql meta-commands (recent pg_dump releases wrap the dump in \restrict … \unrestrict).
      if (line.startsWith('--') || line.startsWith('\\') || line.trim() === '') continue;
      statement += `${line}\n`;
      if (line.trimEnd().endsWith(';')) {
        await pg.exec(statement);
        statement = '';
      }
    }
    const code = await exited;
    if (code !== 0) throw new Error(`pg_dump failed (${code}): ${stderr.trim()}`);
    await pg.exec(`SET session_replication_role = origin`);
    // The dump sets an empty search_path; VACUUM needs none, but later sessions get the default back.
    await pg.exec(`RESET search_path`);
    await pg.exec(`VACUUM ANALYZE`);
  } finally {
    await pg.close();
  }
  return { tables, rows, seconds: (performance.now() - started) / 1000 };
}
