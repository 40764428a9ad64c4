import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  DeliveryRetriesExhaustedError,
  deliverToSlack,
  PermanentDeliveryError,
  parseRetryAfterMs,
} from '../../../lambda/notifications/slack-notifier/deliver';
import { SLACK, type SlackServer, startSlackServer } from '../../support/slack-server';

let slack: SlackServer;
const payload = { text: 'hello', blocks: [] };
const fastBackoff = { backoffBaseMs: 20, backoffCapMs: 50 };
const deadlineIn = (ms: number) => Date.now() + ms;

beforeAll(async () => {
  slack = await startSlackServer();
});
afterAll(async () => {
  await slack.close();
});
beforeEach(() => slack.reset());

describe('deliverToSlack', () => {
  it('posts the JSON payload once when Slack answers 200 ok', async () => {
    const result = await deliverToSlack(slack.webhookUrl(), payload, { deadlineAt: deadlineIn(10_000) });
    expect(result).toEqual({ attempts: 1, waitedMs: 0 });
    expect(slack.requests).toHaveLength(1);
    expect(slack.requests[0]?.method).toBe('POST');
    expect(slack.requests[0]?.headers['content-type']).toMatch(/application\/json/);
    expect(JSON.parse(slack.requests[0]?.body ?? '')).toEqual(payload);
  });

  it('waits at least Retry-After after a 429, then posts once more', async () => {
    slack.enqueue(SLACK.rateLimited(1));
    const result = await deliverToSlack(slack.webhookUrl(), payload, { deadlineAt: deadlineIn(10_000) });
    expect(result.attempts).toBe(2);
    expect(slack.requests).toHaveLength(2);
    const gap = (slack.requests[1]?.receivedAt ?? 0) - (slack.requests[0]?.receivedAt ?? 0);
    expect(gap).toBeGreaterThanOrEqual(1000);
    console.info(`[measure] 429 Retry-After: 1 -> observed gap ${gap.toFixed(0)} ms, 2 requests`);
  });

  it('does not wait for a Retry-After that passes the deadline', async () => {
    slack.enqueue(SLACK.rateLimited(30));
    const started = performance.now();
    const error = await deliverToSlack(slack.webhookUrl(), payload, { deadlineAt: deadlineIn(2_000) }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DeliveryRetriesExhaustedError);
    expect((error as Error).message).toMatch(
      /HTTP 429 rate_limited; next wait of 30000 ms passes the deadline/,
    );
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(slack.requests).toHaveLength(1);
  });

  it.each([
    [SLACK.serverError, 'HTTP 500'],
    [SLACK.unavailable, 'HTTP 503'],
  ])('retries a 5xx with backoff and then succeeds (%o)', async (answer) => {
    slack.enqueue(answer, answer);
    const result = await deliverToSlack(slack.webhookUrl(), payload, {
      deadlineAt: deadlineIn(10_000),
      ...fastBackoff,
    });
    expect(result.attempts).toBe(3);
    expect(slack.requests).toHaveLength(3);
  });

  it('gives up with DeliveryRetriesExhaustedError after maxAttempts of 5xx', async () => {
    slack.enqueue(SLACK.serverError, SLACK.serverError, SLACK.serverError);
    const error = await deliverToSlack(slack.webhookUrl(), payload, {
      deadlineAt: deadlineIn(10_000),
      maxAttempts: 3,
      ...fastBackoff,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeliveryRetriesExhaustedError);
    expect(error).toMatchObject({ name: 'DeliveryRetriesExhaustedError', attempts: 3 });
    expect(slack.requests).toHaveLength(3);
  });

  it('retries a request that times out', async () => {
    slack.enqueue({ ...SLACK.ok, delayMs: 500 });
    const result = await deliverToSlack(slack.webhookUrl(), payload, {
      deadlineAt: deadlineIn(10_000),
      requestTimeoutMs: 150,
      ...fastBackoff,
    });
    expect(result.attempts).toBe(2);
    expect(slack.requests).toHaveLength(2);
  });

  it('retries a refused connection as a network error', async () => {
    const error = await deliverToSlack('http://127.0.0.1:9/services/x', payload, {
      deadlineAt: deadlineIn(5_000),
      maxAttempts: 2,
      ...fastBackoff,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeliveryRetriesExhaustedError);
    expect((error as Error).message).toMatch(/network error/);
  });

  it.each([
    [SLACK.invalidPayload, 400, 'invalid_payload'],
    [SLACK.channelNotFound, 404, 'channel_not_found'],
    [SLACK.noService, 404, 'no_service'],
    [SLACK.invalidToken, 403, 'invalid_token'],
    [{ status: 410, body: 'channel_is_archived' }, 410, 'channel_is_archived'],
  ])(
    'does not retry a permanent %o and throws PermanentDeliveryError',
    async (answer, status, slackError) => {
      slack.enqueue(answer);
      const error = await deliverToSlack(slack.webhookUrl(), payload, {
        deadlineAt: deadlineIn(10_000),
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PermanentDeliveryError);
      expect(error).toMatchObject({ name: 'PermanentDeliveryError', status, slackError });
      expect(slack.requests).toHaveLength(1);
    },
  );

  it('never puts the webhook URL in an error', async () => {
    slack.enqueue(SLACK.channelNotFound);
    const url = slack.webhookUrl();
    const error = (await deliverToSlack(url, payload, { deadlineAt: deadlineIn(10_000) }).catch(
      (e: unknown) => e,
    )) as Error;
    expect(`${error.message} ${error.stack}`).not.toContain('sEcReTwEbHoOkToKeN');
  });
});

describe('parseRetryAfterMs', () => {
  const now = Date.parse('2026-11-20T03:00:00Z');
  it.each([
    ['1', 1000],
    ['0', 0],
    ['120', 120_000],
    ['Fri, 20 Nov 2026 03:00:05 GMT', 5000],
    ['Fri, 20 Nov 2026 02:59:00 GMT', 0],
    ['soon', undefined],
    ['', undefined],
    [null, undefined],
  ])('reads %o as %o ms', (header, expected) => {
    expect(parseRetryAfterMs(header, now)).toBe(expected);
  });
});
