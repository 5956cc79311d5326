import type { AppContext } from '~/utils/context.server';
import { backlog } from '~/utils/jobs.server';
import { searchHealth } from '~/utils/search/index.server';

export async function getHealth(app: AppContext) {
  const databaseUp = await app.database.ping();
  return {
    status: databaseUp ? 'ok' : 'degraded',
    version: app.version,
    database: { driver: app.database.driver, up: databaseUp },
    search: await searchHealth(app.search),
    // Dead or long-waiting jobs need a person, not a restart, so they do not make the instance unhealthy.
    jobs: databaseUp ? { inProcess: app.env.JOBS_IN_PROCESS, ...(await backlog(app.db, app.now())) } : null,
  };
}
