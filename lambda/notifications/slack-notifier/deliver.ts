/**
 * Slack incoming-webhook delivery with Node's built-in fetch (it exposes the
 * `Retry-After` header of a 429).
 *
 * - 2xx: delivered.
 * - 429: waits `Retry-After` (bounded by the time left) and tries again.
 * - 5xx, 408, network errors and timeouts: retried with full-jitter backoff.
 * - any other 4xx (invalid_payload, channel_not_found, no_service, invalid_token,
 *   403/404/410 ...): permanent, never retried: {@link PermanentDeliveryError}.
 * - retries or time exhausted: {@link DeliveryRetriesExhaustedError}.
 *
 * The webhook URL is a secret: it is never put in an error message or log.
 */
import { retryDelayMs } from '../../shared/backoff';

/** Slack refused the message for good; retrying cannot help. Goes to the dead-letter queue. */
export class PermanentDeliveryError extends Error {
  constructor(
    /** HTTP status Slack answered. */
    readonly status: number,
    /** Slack's answer body, e.g. `invalid_payload` (shortened). */
    readonly slackError: string,
  ) {
    super(`Slack rejected the message permanently: HTTP ${status} ${slackError}`);
    this.name = 'PermanentDeliveryError';
  }
}

/** Slack kept failing transiently (5xx, 429, timeouts) until the attempts or the time ran out. */
export class DeliveryRetriesExhaustedError extends Error {
  constructor(
    readonly attempts: number,
    /** What the last attempt saw, e.g. `HTTP 503 service_unavailable` or `timeout`. */
    readonly lastFailure: string,
    options?: { cause?: unknown },
  ) {
    super(`Slack delivery failed after ${attempts} attempt(s); last: ${lastFailure}`, options);
    this.name = 'DeliveryRetriesExhaustedError';
  }
}

/** How {@link deliverToSlack} may behave; every dependency is injectable for tests. */
export interface DeliveryOptions {
  /** Epoch ms after which no new attempt or wait may start (e.g. Lambda deadline minus a margin). */
  readonly deadlineAt: number;
  /** Upper bound of attempts, 429s included. @default 8 */
  readonly maxAttempts?: number;
  /** Per-request timeout. @default 5000 */
  readonly requestTimeoutMs?: number;
  /** No attempt starts with less time than this before the deadline. @default 1000 */
  readonly minAttemptMs?: number;
  /** First backoff ceiling for 5xx / timeouts. @default 500 */
  readonly backoffBaseMs?: number;
  /** Backoff cap. @default 8000 */
  readonly backoffCapMs?: number;
  /** Wait used when a 429 carries no usable Retry-After. @default 1000 */
  readonly defaultRetryAfterMs?: number;
  readonly fetch?: typeof fetch;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
  readonly random?: () => number;
  /** Called before each wait, for logs and metrics. */
  readonly onRetry?: (info: RetryInfo) => void;
}

/** One scheduled retry. */
export interface RetryInfo {
  readonly attempt: number;
  readonly reason: string;
  readonly waitMs: number;
}

/** What a successful delivery took. */
export interface DeliveryResult {
  readonly attempts: number;
  /** Total time spent waiting between attempts. */
  readonly waitedMs: number;
}

/** HTTP statuses that are transient although they are 4xx. */
const TRANSIENT_4XX = new Set([408, 429]);
const MAX_ANSWER_CHARS = 200;

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Posts `payload` to the webhook, retrying what can be retried. */
export async function deliverToSlack(
  webhookUrl: string,
  payload: unknown,
  options: DeliveryOptions,
): Promise<DeliveryResult> {
  const doFetch = options.fetch ?? fetch;
  const sleep = options.sleep ?? realSleep;
  const now = options.now ?? (() => Date.now());
  const maxAttempts = options.maxAttempts ?? 8;
  const requestTimeoutMs = options.requestTimeoutMs ?? 5000;
  const body = JSON.stringify(payload);
  let waitedMs = 0;
  let backoffAttempt = 0;

  for (let attempt = 1; ; attempt++) {
    const remaining = options.deadlineAt - now();
    if (remaining < (options.minAttemptMs ?? 1000)) {
      throw new DeliveryRetriesExhaustedError(attempt - 1, 'no time left before the deadline');
    }

    let failure: string;
    let waitMs: number;
    let cause: unknown;
    try {
      const response = await doFetch(webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body,
        redirect: 'error',
        signal: AbortSignal.timeout(Math.max(1, Math.min(requestTimeoutMs, remaining))),
      });
      const answer = await readAnswer(response);
      if (response.ok) return { attempts: attempt, waitedMs };
      if (response.status === 429) {
        failure = `HTTP 429 ${answer}`;
        waitMs =
          parseRetryAfterMs(response.headers.get('retry-after'), now()) ??
          options.defaultRetryAfterMs ??
          1000;
      } else if (response.status >= 500 || TRANSIENT_4XX.has(response.status)) {
        failure = `HTTP ${response.status} ${answer}`;
        waitMs = retryDelayMs(
          backoffAttempt++,
          options.backoffBaseMs ?? 500,
          options.backoffCapMs ?? 8000,
          options.random,
        );
      } else {
        throw new PermanentDeliveryError(response.status, answer);
      }
    } catch (error) {
      if (error instanceof PermanentDeliveryError) throw error;
      // Network errors and timeouts. Only the error's name/code is kept: the message could echo the request.
      failure = describeNetworkError(error);
      cause = error;
      waitMs = retryDelayMs(
        backoffAttempt++,
        options.backoffBaseMs ?? 500,
        options.backoffCapMs ?? 8000,
        options.random,
      );
    }

    if (attempt >= maxAttempts) throw new DeliveryRetriesExhaustedError(attempt, failure, { cause });
    if (now() + waitMs + (options.minAttemptMs ?? 1000) > options.deadlineAt) {
      throw new DeliveryRetriesExhaustedError(
        attempt,
        `${failure}; next wait of ${waitMs} ms passes the deadline`,
        {
          cause,
        },
      );
    }
    options.onRetry?.({ attempt, reason: failure, waitMs });
    await sleep(waitMs);
    waitedMs += waitMs;
  }
}

/**
 * `Retry-After` is either delta-seconds or an HTTP date (RFC 9110). Returns
 * milliseconds, or undefined when absent or unreadable.
 */
export function parseRetryAfterMs(header: string | null | undefined, nowMs: number): number | undefined {
  if (header === null || header === undefined || header.trim() === '') return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

async function readAnswer(response: Response): Promise<string> {
  try {
    const text = (await response.text()).trim();
    return text.length > MAX_ANSWER_CHARS ? `${text.slice(0, MAX_ANSWER_CHARS)}...` : text;
  } catch {
    return '';
  }
}

function describeNetworkError(error: unknown): string {
  if (error instanceof Error) {
    if (error.name === 'TimeoutError' || error.name === 'AbortError') return 'timeout';
    const code = (error.cause as { code?: unknown } | undefined)?.code;
    return typeof code === 'string' ? `network error ${code}` : `network error ${error.name}`;
  }
  return 'network error';
}
