/**
 * Adaptive polling: how long to wait before the next status check.
 *
 * The wait starts at `pollIntervalSeconds`, doubles while the job's status is
 * unchanged up to `maxPollIntervalSeconds`, and drops back to the first wait
 * whenever the status changes (a job that just started RUNNING is the one
 * most likely to change again soon). It never waits past the deadline.
 */

/** Growth factor per unchanged poll. */
export const POLL_GROWTH_FACTOR = 2;

/** Inputs of {@link nextPollDelaySeconds}. */
export interface PollDelayInput {
  /** The wait used before this check; absent on the first check. */
  readonly previousDelaySeconds?: number | undefined;
  /** Whether the status differs from the previous check (true on the first check). */
  readonly statusChanged: boolean;
  readonly pollIntervalSeconds: number;
  readonly maxPollIntervalSeconds: number;
  /** Seconds left until the orchestration deadline (may be <= 0). */
  readonly secondsUntilDeadline: number;
}

/**
 * The next wait in whole seconds, at least 1. When the deadline is closer than
 * the computed wait, the wait ends at the deadline so it is noticed on time.
 */
export function nextPollDelaySeconds(input: PollDelayInput): number {
  const { previousDelaySeconds, statusChanged, pollIntervalSeconds, maxPollIntervalSeconds } = input;
  const grown =
    statusChanged || previousDelaySeconds === undefined
      ? pollIntervalSeconds
      : Math.min(
          maxPollIntervalSeconds,
          Math.max(pollIntervalSeconds, previousDelaySeconds * POLL_GROWTH_FACTOR),
        );
  const untilDeadline = Math.ceil(input.secondsUntilDeadline);
  return Math.max(1, Math.min(grown, untilDeadline));
}

/**
 * Full-jitter exponential backoff for retrying throttled or failed API calls:
 * a random delay in [0, min(cap, base * 2^attempt)]. `random` is injectable for tests.
 */
export function retryDelayMs(
  attempt: number,
  baseMs = 200,
  capMs = 20_000,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt));
  return Math.floor(random() * ceiling);
}

/** Default fallback interval of event wake-up: the longest a lost Batch event can delay detection. */
export const DEFAULT_EVENT_FALLBACK_SECONDS = 3600;

/**
 * The timeout of the event wake-up wait (`completion: 'events'`): at most
 * `fallbackSeconds`, chosen so that a whole number of timeouts ends exactly at
 * the deadline. The state machine reuses this one value after every timeout
 * (a timeout cannot recompute it), so instead of cutting the last wait short,
 * the time to the deadline is split into `n = ceil(D / fallback)` equal waits
 * of `ceil(D / n)` seconds: n timeouts never stop before the deadline and
 * overshoot it by less than n seconds. Example: a 6 h deadline with a 1 h
 * fallback gives 6 waits of 3600 s; 5000 s gives 2 waits of 2500 s.
 */
export function eventWaitTimeoutSeconds(secondsUntilDeadline: number, fallbackSeconds: number): number {
  const until = Math.max(1, Math.ceil(secondsUntilDeadline));
  const fallback = Math.max(1, Math.floor(fallbackSeconds));
  const waits = Math.ceil(until / fallback);
  return Math.max(1, Math.ceil(until / waits));
}
