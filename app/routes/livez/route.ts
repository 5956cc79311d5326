/**
 * Liveness: the process answers requests. It touches nothing else (a load balancer restarts what
 * fails here; a database outage is /healthz's business, where restarting would not help). It is
 * also the ceiling `npm run bench` measures pages against: the cheapest request through Remix.
 */
export function loader() {
  return new Response('ok', { headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' } });
}
