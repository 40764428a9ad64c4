/**
 * Time as the CLI sees it. Commands take a {@link Clock} so the wait loops can
 * be tested fast: `BATCHCTL_SECOND_MS` (tests only) makes one CLI second last
 * that many real milliseconds; everything else (deadlines, poll intervals,
 * elapsed time) follows.
 */
import { setTimeout as delay } from 'node:timers/promises';

/** A clock in CLI milliseconds. */
export interface Clock {
  now(): number;
  /** Resolves after `ms`, or rejects with an AbortError when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/**
 * The system clock, optionally running `1000 / secondMs` times faster.
 * @param secondMs real milliseconds per CLI second; default 1000.
 */
export function systemClock(secondMs = 1000): Clock {
  const scale = secondMs / 1000;
  const origin = Date.now();
  return {
    now: () => (scale === 1 ? Date.now() : origin + (Date.now() - origin) / scale),
    sleep: async (ms, signal) => {
      await delay(Math.max(0, ms * scale), undefined, signal === undefined ? undefined : { signal });
    },
  };
}

/** The clock from the environment (`BATCHCTL_SECOND_MS`, for tests). */
export function clockFromEnv(env: NodeJS.ProcessEnv = process.env): Clock {
  const raw = Number(env.BATCHCTL_SECOND_MS);
  return systemClock(Number.isFinite(raw) && raw > 0 ? raw : 1000);
}
