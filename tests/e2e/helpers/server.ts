/**
 * Runs the real production server (`node server.js`) as a child process on a free port, with
 * its own data folder, so tests see exactly what a user of the README's command sees.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface RunningServer {
  url: string;
  child: ChildProcess;
  dataDir: string;
  logs: string[];
  /** Sends SIGTERM and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function startServer(options: { env?: Record<string, string>; dataDir?: string; timeoutMs?: number } = {}): Promise<RunningServer> {
  const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'dibiao-e2e-'));
  const logs: string[] = [];
  const child = spawn(process.execPath, ['server.js'], {
    cwd: process.cwd(),
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'production',
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${logs.join('')}`)), options.timeoutMs ?? 60_000);
    const onData = (chunk: Buffer) => {
      const text = chunk.toString();
      logs.push(text);
      for (const line of text.split('\n')) {
        try {
          const entry = JSON.parse(line) as { url?: string };
          if (entry.url) {
            clearTimeout(timer);
            resolve(entry.url.replace('localhost', '127.0.0.1'));
          }
        } catch {
          // not a JSON log line
        }
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (c: Buffer) => logs.push(c.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${logs.join('')}`));
    });
  });
  // A server that dies on its own (not stopped by the test) leaves its last log lines in the
  // test run's output, so a crash on CI says why.
  let stopping = false;
  child.once('exit', (code, signal) => {
    if (stopping) return;
    const tail = logs.join('').split('\n').slice(-80).join('\n');
    process.stderr.write(`\n[e2e] the server at ${url} exited by itself (code ${code}, signal ${signal}); its last log lines:\n${tail}\n`);
  });
  return {
    url,
    child,
    dataDir,
    logs,
    stop: (signal = 'SIGTERM') =>
      new Promise((resolve) => {
        stopping = true;
        // Logged, not fatal (server.js), but a bug: show it in the run's output.
        const unhandled = logs.join('').split('\n').filter((line) => line.includes('"msg":"unhandled promise rejection"'));
        if (unhandled.length > 0) process.stderr.write(`\n[e2e] the server at ${url} logged unhandled promise rejections:\n${unhandled.join('\n')}\n`);
        if (child.exitCode !== null) return resolve(child.exitCode);
        child.once('exit', (code) => resolve(code));
        child.kill(signal);
      }),
  };
}
