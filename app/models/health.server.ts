import type { AppContext } from '~/utils/context.server';

export async function getHealth(app: AppContext) {
  const databaseUp = await app.database.ping();
  return {
    status: databaseUp ? 'ok' : 'degraded',
    version: app.version,
    database: { driver: app.database.driver, up: databaseUp },
    search: { adapter: 'postgres', state: databaseUp ? 'ok' : 'down' },
  };
}
