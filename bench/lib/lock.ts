/**
 * An exclusive flock(1) on a file for as long as this process wants it: a `flock FILE cat`
 * child holds the lock until its stdin closes — when we release it, or when this process dies.
 * Used around the production build and the measuring, so they never overlap other e2e runs
 * (which rebuild the same build/ and public/build under the same lock).
 */
import { spawn } from 'node:child_process';

export async function acquireFileLock(file: string, { onWait }: { onWait?: () => void } = {}): Promise<() => Promise<void>> {
  const child = spawn('flock', [file, 'sh', '-c', 'echo locked; exec cat >/dev/null'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const waitNotice = setTimeout(() => onWait?.(), 1000);
  try {
    await new Promise<void>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`flock ${file} exited (${code}) before taking the lock`)));
      child.stdout.once('data', () => resolve());
    });
  } finally {
    clearTimeout(waitNotice);
  }
  child.removeAllListeners('exit');
  let released: Promise<void> | null = null;
  return () => {
    released ??= new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.stdin.end();
    });
    return released;
  };
}
