// The production server: Express with the Remix request handler, compression, long cache
// headers for fingerprinted assets, /healthz through Remix, and graceful shutdown.
import cluster from 'node:cluster';
import fs from 'node:fs';
import path from 'node:path';
import { createRequestHandler } from '@remix-run/express';
import { createRequestHandler as createRemixHandler } from '@remix-run/node';
import compression from 'compression';
import express from 'express';

const BUILD_PATH = path.resolve('build/index.js');

export async function startServer({ env: source = process.env, port, quiet = false } = {}) {
  const build = await import(BUILD_PATH);
  const entry = build.entry.module;
  const env = entry.parseEnv(source);
  const startedAt = performance.now();
  const app = await entry.createAppContext({ env });
  const background = await entry.startBackgroundWork(app);

  const server = express();
  server.disable('x-powered-by');
  server.set('trust proxy', 'loopback');
  // A request id on every response and every log line written while serving it; an access line
  // per request (no query string, and no token from a reset or invitation link, in the logs).
  server.use((req, res, next) => {
    const requestId = entry.requestIdFrom(req.headers['x-request-id']);
    res.setHeader('X-Request-Id', requestId);
    const started = performance.now();
    entry.runWithRequestId(requestId, () => {
      res.on('finish', () => {
        app.logger.info(
          { method: req.method, path: entry.loggablePath(req.path), status: res.statusCode, ms: Math.round((performance.now() - started) * 10) / 10, cache: res.getHeader('X-Page-Cache') },
          'request',
        );
      });
      next();
    });
  });
  server.use(entry.securityHeaders());
  server.use((req, res, next) => {
    if (entry.isCrossSiteRequest({ method: req.method, path: req.path, headers: req.headers, host: req.get('host') ?? '', protocol: req.protocol })) {
      res.status(403).type('text/plain').send('Cross-site request refused');
      return;
    }
    next();
  });
  // The app reads the client address from X-Forwarded-For: replace whatever the client sent with
  // the address Express trusts (the peer, or what a loopback proxy reported).
  server.use((req, _res, next) => {
    req.headers['x-forwarded-for'] = req.ip ?? '';
    next();
  });
  // Anonymous visitors' catalog pages come from the full-page cache (app/utils/page-cache.server.ts),
  // before the static folders: no catalog path is a file, so a stored page costs no file lookups.
  // One compression middleware: after the page cache, which sends its pages already compressed
  // (hits skip this middleware's wrapping; a miss that is not a stored page, such as a 404, goes
  // through it as compressMiss).
  const compress = compression();
  let pageCache = null;
  if (env.PAGE_CACHE) {
    const remix = createRemixHandler(build, env.NODE_ENV);
    pageCache = entry.createPageCache({
      ttlMs: env.PAGE_CACHE_TTL_SECONDS * 1000,
      render: (request, nonce) => remix(request, { app, cspNonce: nonce }),
      compressMiss: compress,
    });
    server.use((req, res, next) => pageCache.middleware(req, res, next));
  }
  // One outbox poll per process empties the page cache and the zone's shared counts on every catalog
  // change (app/utils/catalog-version.server.ts); when it fails, both are emptied too.
  const catalogWatcher =
    pageCache || env.CATALOG_CACHE_SECONDS > 0
      ? entry.watchCatalogVersion({
          db: app.db,
          onChange: () => {
            pageCache?.clear();
            app.catalogCache.clear();
          },
          onError: (error) => app.logger.warn({ err: error }, 'catalog version check failed; page cache and shared counts emptied'),
        })
      : null;
  server.use(compress);
  // Fingerprinted build output never changes under one name.
  server.use('/build', express.static('public/build', { immutable: true, maxAge: '1y' }));
  // Only the public part of the upload folder is served as files; private documents (evidence,
  // report attachments) go through routes that check access.
  server.use(
    '/uploads',
    express.static(path.join(env.UPLOAD_DIR, 'public'), {
      maxAge: '1d',
      setHeaders: (res) => res.setHeader('X-Content-Type-Options', 'nosniff'),
    }),
  );
  // The rest of public/ (favicon and the like): looked up only for names that are there, so a
  // page request costs no file-system call (a stat per request was ≈2 % of a page's CPU here).
  const publicStatic = express.static('public', { maxAge: '1h' });
  const publicNames = new Set(fs.readdirSync('public').filter((name) => name !== 'build'));
  server.use((req, res, next) => {
    const [, first = ''] = req.path.split('/', 2);
    if (publicNames.has(first)) publicStatic(req, res, next);
    else next();
  });
  server.all('*', createRequestHandler({ build, mode: env.NODE_ENV, getLoadContext: (_req, res) => ({ app, cspNonce: res.locals.cspNonce }) }));

  const listenPort = port ?? env.PORT;
  const http = await new Promise((resolve) => {
    const s = server.listen(listenPort, env.HOST, () => resolve(s));
  });
  const address = http.address();
  const url = `http://localhost:${typeof address === 'object' && address ? address.port : listenPort}`;
  if (!quiet) {
    app.logger.info(
      { url, driver: app.database.driver, startupMs: Math.round(performance.now() - startedAt), rssMb: Math.round(process.memoryUsage().rss / 2 ** 20) },
      '地标助农 is listening',
    );
  }

  let closing;
  const close = () => {
    closing ??= (async () => {
      await new Promise((resolve) => {
        http.close(resolve);
        http.closeIdleConnections?.();
        setTimeout(() => http.closeAllConnections?.(), 5000).unref();
      });
      catalogWatcher?.stop();
      await background.stop();
      await app.database.close();
    })();
    return closing;
  };
  return { url, app, close, http, pageCache, entry };
}

/**
 * With WEB_CONCURRENCY above 1 (PostgreSQL only) this process forks that many workers sharing the
 * port: one Node process renders on one core, and a page's CPU is mostly rendering. This process
 * applies migrations and reference data first (workers doing it at once would race), then only
 * watches: a worker that dies is replaced, one that dies before it ever listened stops the server.
 */
async function runPrimary(workerCount) {
  const build = await import(BUILD_PATH);
  const entry = build.entry.module;
  const env = entry.parseEnv(process.env);
  const setup = await entry.createAppContext({ env });
  const logger = setup.logger;
  await setup.database.close();
  let stopping = false;
  const fork = () => {
    const worker = cluster.fork();
    worker.once('listening', () => {
      worker.listened = true;
    });
  };
  cluster.on('exit', (worker, code, signal) => {
    const running = Object.keys(cluster.workers ?? {}).length;
    if (stopping) {
      // 1 when a worker failed to start (set below), else 0.
      if (running === 0) process.exit(process.exitCode ?? 0);
      return;
    }
    if (!worker.listened) {
      logger.error({ pid: worker.process.pid, code, signal }, 'a server worker failed to start; stopping');
      stopping = true;
      for (const other of Object.values(cluster.workers ?? {})) other?.process.kill('SIGTERM');
      process.exitCode = 1;
      if (running === 0) process.exit(1);
      return;
    }
    logger.error({ pid: worker.process.pid, code, signal }, 'a server worker stopped; starting another');
    setTimeout(fork, 1000);
  });
  for (const signal of ['SIGTERM', 'SIGINT']) {
    process.once(signal, () => {
      logger.info({ signal }, 'shutting down the workers');
      stopping = true;
      const workers = Object.values(cluster.workers ?? {});
      if (workers.length === 0) process.exit(0);
      for (const worker of workers) worker?.process.kill('SIGTERM');
    });
  }
  for (let i = 0; i < workerCount; i += 1) fork();
}

const isMain = import.meta.url === `file://${process.argv[1]}`;
if (isMain) {
  try {
    const workerCount = cluster.isPrimary ? Number.parseInt(process.env.WEB_CONCURRENCY ?? '1', 10) : 1;
    if (cluster.isPrimary && workerCount > 1) {
      await runPrimary(workerCount);
    } else {
      const { close, app, entry } = await startServer();
      // A promise nobody awaited failed: log it (with its stack) and keep serving the other
      // requests, rather than end every one in flight with the process. It is still a bug.
      process.on('unhandledRejection', (reason) => {
        app.logger.error({ err: reason }, 'unhandled promise rejection');
      });
      // An exception nothing caught leaves the process in an unknown state: log it, then exit
      // (a supervisor, or the primary's cluster, starts a fresh process). One known exception:
      // postgres.js writing to a connection already closed (app/utils/postgres-guard.server.ts).
      process.on('uncaughtException', (error) => {
        if (entry.isPostgresWriteOnClosedSocket(error)) {
          app.logger.error({ err: error }, 'postgres.js wrote to a closed connection (porsager/postgres#1208); continuing');
          return;
        }
        app.logger.fatal({ err: error }, 'uncaught exception; exiting');
        process.exit(1);
      });
      for (const signal of ['SIGTERM', 'SIGINT']) {
        process.once(signal, async () => {
          app.logger.info({ signal }, 'shutting down');
          await close();
          process.exit(0);
        });
      }
    }
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}
