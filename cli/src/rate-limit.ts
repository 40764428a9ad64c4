/**
 * Client-side rate limiting: a token bucket shared by every SDK client of one
 * `batchctl` process, applied to each HTTP attempt. With the SDK's adaptive
 * retry mode on top, a loop of submits or a long list slows down instead of
 * failing on HTTP 429.
 */
import type { Pluggable } from '@smithy/types';
import type { Clock } from './clock';

/** Default sustained rate, requests per second (well under Batch's default API quotas). */
export const DEFAULT_MAX_REQUESTS_PER_SECOND = 10;

/** A token bucket: `ratePerSecond` sustained, bursts up to `capacity`. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly ratePerSecond: number,
    readonly capacity: number,
    private readonly clock: Pick<Clock, 'now' | 'sleep'>,
  ) {
    if (!(ratePerSecond > 0) || !(capacity >= 1)) throw new RangeError('rate must be > 0 and capacity >= 1');
    this.tokens = capacity;
    this.last = clock.now();
  }

  /**
   * Reserves one token and returns how long the caller must wait for it (ms).
   * Reservations queue up: the bucket may go negative.
   */
  reserve(): number {
    const now = this.clock.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) / 1000) * this.ratePerSecond);
    this.last = now;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.ratePerSecond) * 1000);
  }

  /** Waits until a token is available. */
  async take(): Promise<void> {
    const wait = this.reserve();
    if (wait > 0) await this.clock.sleep(wait);
  }
}

/** SDK plugin: every attempt (retries included) takes a token first. */
export function rateLimitPlugin(bucket: TokenBucket): Pluggable<object, object> {
  return {
    applyToStack: (stack) => {
      stack.add(
        (next) => async (args) => {
          await bucket.take();
          return next(args);
        },
        // The deserialize step runs inside the retry middleware, i.e. once per attempt.
        { step: 'deserialize', name: 'batchctlRateLimit', priority: 'high', override: true },
      );
    },
  };
}
