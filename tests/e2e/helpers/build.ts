/** Global setup of the browser/server suite: one production build for all its files. */
import { execFileSync } from 'node:child_process';

export function setup() {
  if (process.env.E2E_SKIP_BUILD === '1') return;
  execFileSync('npx', ['remix', 'build'], { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production' } });
}
