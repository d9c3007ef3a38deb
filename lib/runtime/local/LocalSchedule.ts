import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Like an EventBridge rule, without overlap: the next run waits for the previous one. With
 * `atStart`, runs once at once. Returns when the signal aborts (after a run in progress ends).
 */
export async function runEvery(ms: number, atStart: boolean, signal: AbortSignal, run: () => Promise<unknown>): Promise<void> {
  if (atStart && !signal.aborted) await run();
  while (!signal.aborted) {
    await pause(ms, signal);
    if (!signal.aborted) await run();
  }
}

/** Waits `ms`, or less when the signal aborts; never rejects. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return sleep(ms, undefined, { signal }).catch(() => undefined);
}
