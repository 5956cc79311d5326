/**
 * The production server (`node server.js`, built beforehand) as a child process for benchmarks,
 * with what the benchmark reads about it from /proc: resident memory and CPU time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';

export interface ServerProcess {
  url: string;
  port: number;
  pid: number;
  /** Resident memory in MiB (VmRSS), or NaN once the process is gone. */
  rssMb(): number;
  /** User + system CPU seconds the process has used so far. */
  cpuSeconds(): number;
  /**
   * Waits until the process has used under 15 % of a core for half a second: requests a load
   * generator abandoned at the end of a run are still being answered until then. Returns the wait in ms.
   */
  waitUntilQuiet(maxMs?: number): Promise<number>;
  /** The last lines the server wrote to stderr/stdout (for error reports). */
  output(): string;
  stop(): Promise<void>;
}

/** A TCP port that was free a moment ago. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

function sumOver(pids: number[], read: (pid: number) => number): number {
  return pids.map(read).filter((v) => Number.isFinite(v)).reduce((a, b) => a + b, 0);
}

/** The process and its children (server.js forks WEB_CONCURRENCY workers). */
export function processTree(pid: number): number[] {
  const pids = [pid];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

export function readRssMb(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

const CLOCK_TICKS = 100; // USER_HZ on Linux

export function readCpuSeconds(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at ") ": utime is field 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return Number.NaN;
  }
}

/**
 * Starts `node server.js` with exactly `env` (plus PATH and HOME) on a free port of 127.0.0.1 and
 * waits until /healthz answers 200.
 */
export async function startServerProcess(env: Record<string, string>, { cwd = process.cwd(), timeoutMs = 120_000 } = {}): Promise<ServerProcess> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, ['server.js'], {
    cwd,
    env: { NODE_ENV: 'production', PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-8000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let gone = false;
  void exited.then(() => (gone = true));

  const url = `http://127.0.0.1:${port}`;
  const started = Date.now();
  for (;;) {
    if (gone) throw new Error(`server.js exited during start-up:\n${tail}`);
    if (Date.now() - started > timeoutMs) {
      child.kill('SIGKILL');
      throw new Error(`server.js did not answer /healthz within ${timeoutMs / 1000} s:\n${tail}`);
    }
    try {
      const response = await fetch(`${url}/healthz`);
      await response.arrayBuffer();
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }

  const pid = child.pid!;
  return {
    url,
    port,
    pid,
    rssMb: () => sumOver(processTree(pid), readRssMb),
    cpuSeconds: () => sumOver(processTree(pid), readCpuSeconds),
    output: () => tail,
    waitUntilQuiet: async (maxMs = 60_000) => {
      const start = Date.now();
      let quietSlices = 0;
      let last = sumOver(processTree(pid), readCpuSeconds);
      while (quietSlices < 2 && Date.now() - start < maxMs && !gone) {
        await new Promise((r) => setTimeout(r, 250));
        const now = sumOver(processTree(pid), readCpuSeconds);
        quietSlices = now - last < 0.25 * 0.15 ? quietSlices + 1 : 0;
        last = now;
      }
      return Date.now() - start;
    },
    stop: async () => {
      if (gone) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
