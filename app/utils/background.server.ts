import type { AppContext } from './context.server';

export interface BackgroundWork {
  stop(): Promise<void>;
}

/** Starts the in-process work of one app instance (the job runner). */
export async function startBackgroundWork(_app: AppContext): Promise<BackgroundWork> {
  return { stop: async () => {} };
}
