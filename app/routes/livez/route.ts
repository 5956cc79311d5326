/**
 * Liveness: the process answers requests. It touches nothing else (a load balancer restarts what
 * fails here; a database outage is /healthz's business, where restarting would not help). It is
 * also the ceiling `npm run bench` measures pages against: the cheapest request through Remix.
 */
export function loader() {
  // With its length given, the compression middleware leaves these two bytes alone.
  return new Response('ok', { headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': '2', 'Cache-Control': 'no-store' } });
}
