import { afterEach, vi } from 'vitest';

// A test that logs console.error fails unless it expects it (by spying on console.error itself).
let errors: unknown[][] = [];
const original = console.error;
console.error = (...args: unknown[]) => {
  errors.push(args);
  original(...args);
};

afterEach(() => {
  const logged = errors;
  errors = [];
  if (vi.isMockFunction(console.error)) return;
  if (logged.length > 0) throw new Error(`console.error was called: ${logged.map((a) => a.map(String).join(' ')).join('\n')}`);
});
