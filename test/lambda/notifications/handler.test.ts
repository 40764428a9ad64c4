/**
 * The Slack notifier handler end to end: SNS-wrapped fixtures in, a local fake
 * Slack on 127.0.0.1 out; Secrets Manager and SQS faked with
 * aws-sdk-client-mock, the idempotency table with an in-memory DynamoDB.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { SLACK, type SlackServer, startSlackServer } from '../../support/slack-server';
import { fakeIdempotencyTable } from './fake-dynamodb';

const fixture = (name: string) => readFileSync(join(__dirname, '../../events', name), 'utf8');
const SECRET_PATH = '/services/T000TEST/B000TEST/sEcReTwEbHoOkToKeN';
const DLQ_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/notifications-dlq';
/** Imported after the environment is stubbed: the handler reads it at load. */
const NOTIFIER_MODULE: string = '../../../lambda/notifications/slack-notifier/index';
type NotifierModule = { handler: (event: unknown, context: Context) => Promise<{ outcomes: string[] }> };

const secrets = mockClient(SecretsManagerClient);
const sqs = mockClient(SQSClient);
const table = fakeIdempotencyTable();
let slack: SlackServer;
let handler: (event: unknown, context: Context) => Promise<{ outcomes: string[] }>;

/** Every line written to stdout/stderr or the console while the handler runs. */
const logLines: string[] = [];

function snsEvent(...messages: string[]) {
  return {
    Records: messages.map((Message, i) => ({
      EventSource: 'aws:sns',
      EventVersion: '1.0',
      EventSubscriptionArn: 'arn:aws:sns:eu-west-1:123456789012:notifications:sub',
      Sns: {
        Type: 'Notification',
        MessageId: `msg-${i}`,
        TopicArn: 'arn:aws:sns:eu-west-1:123456789012:notifications',
        Message,
        Timestamp: '2026-11-20T03:12:10.000Z',
      },
    })),
  };
}

function context(remainingMs = 30_000): Context {
  const deadline = Date.now() + remainingMs;
  return {
    functionName: 'slack-notifier',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:slack-notifier',
    memoryLimitInMB: '256',
    awsRequestId: `req-${Math.random().toString(16).slice(2)}`,
    logGroupName: '/aws/lambda/slack-notifier',
    logStreamName: 'stream',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => deadline - Date.now(),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

const posted = () => slack.requests.map((r) => JSON.parse(r.body) as { text: string; blocks: unknown[] });

beforeAll(async () => {
  slack = await startSlackServer();
  vi.stubEnv('ENV_NAME', 'dev');
  vi.stubEnv('SECRET_ID', 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:dev/slack-webhook-AbCdEf');
  vi.stubEnv('IDEMPOTENCY_TABLE_NAME', 'notifier-dedupe');
  vi.stubEnv('DEAD_LETTER_QUEUE_URL', DLQ_URL);
  vi.stubEnv('LOG_GROUPS_BY_JOB_DEFINITION', JSON.stringify({ poller: '/batch/dev/poller' }));
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'DEBUG');
  vi.stubEnv('AWS_LAMBDA_FUNCTION_NAME', 'slack-notifier');
  const capture = (stream: NodeJS.WriteStream) => {
    const original = stream.write.bind(stream);
    vi.spyOn(stream, 'write').mockImplementation(((chunk: unknown, ...rest: unknown[]) => {
      logLines.push(String(chunk));
      // Keep the runner's own output (it writes through the same streams); swallow the handler's JSON logs.
      if (String(chunk).startsWith('{"level"')) return true;
      return (original as (...a: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof stream.write);
  };
  capture(process.stdout);
  capture(process.stderr);
  for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    const original = console[level].bind(console);
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      logLines.push(args.map(String).join(' '));
      original(...args);
    });
  }
  ({ handler } = (await import(NOTIFIER_MODULE)) as NotifierModule);
});

afterAll(async () => {
  await slack.close();
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

beforeEach(() => {
  slack.reset();
  secrets.reset();
  sqs.reset();
  table.reset();
  secrets.on(GetSecretValueCommand).resolves({ SecretString: slack.webhookUrl(SECRET_PATH) });
  sqs.on(SendMessageCommand).resolves({ MessageId: 'dlq-1' });
});

describe('Slack notifier handler', () => {
  it.each([
    [
      'batch-job-state-change-failed-spot.json',
      [
        'Job id: 9b2f0c6e-8d41-4a7b-b3e5-0f6a7c8d9e10',
        'Queue: processor-spot',
        'Classification: SpotInterrupted (retryable)',
        'log-group/$252Faws$252Fbatch$252Fjob/log-events/processor$252Fdefault$252F4d5e6f7a8b9c',
        'region=eu-west-1',
      ],
    ],
    [
      'batch-job-state-change-failed-oom.json',
      [
        'Queue: poller-queue',
        'Exit code: 137',
        'Classification: OutOfMemory',
        'log-group/$252Fbatch$252Fdev$252Fpoller/log-events/poller$252Fdefault$252Faa11bb22cc33',
        'region=us-east-1',
      ],
    ],
    [
      'step-functions-execution-failed.json',
      [
        'State machine: job-runner-dev',
        'Execution: hourly-poller-d32c5kddcf5bb8c3',
        'Error: Batch.SpotInterrupted',
        '#/v2/executions/details/arn:aws:states:eu-west-1',
      ],
    ],
  ])('posts %s once with every required field', async (name, expected) => {
    const result = await handler(snsEvent(fixture(name)), context());
    expect(result.outcomes).toEqual(['delivered']);
    expect(slack.requests).toHaveLength(1);
    expect(slack.requests[0]?.path).toBe(SECRET_PATH);
    const [message] = posted();
    expect(message?.text).toContain('Environment: dev');
    for (const text of expected) expect(message?.text).toContain(text);
    expect(message?.blocks.length).toBeGreaterThan(1);
    expect(sqs).not.toHaveReceivedCommand(SendMessageCommand);
  });

  it('does not post a status that is not configured (RUNNABLE by default), even if one gets through', async () => {
    const result = await handler(snsEvent(fixture('batch-job-state-change-runnable.json')), context());
    expect(result.outcomes).toEqual(['skipped']);
    expect(slack.requests).toHaveLength(0);
    expect(sqs).not.toHaveReceivedCommand(SendMessageCommand);
    expect(table.items.size).toBe(0);
  });

  it('does not post a job-runner execution that succeeded or is still running', async () => {
    const failed = JSON.parse(fixture('step-functions-execution-failed.json'));
    const events = ['SUCCEEDED', 'RUNNING'].map((status, i) =>
      JSON.stringify({ ...failed, id: `exec-${status}-${i}`, detail: { ...failed.detail, status } }),
    );
    const result = await handler(snsEvent(...events), context());
    expect(result.outcomes).toEqual(['skipped', 'skipped']);
    expect(slack.requests).toHaveLength(0);
  });

  it.each(['TIMED_OUT', 'ABORTED'])('posts a job-runner execution that is %s', async (status) => {
    const failed = JSON.parse(fixture('step-functions-execution-failed.json'));
    const event = JSON.stringify({ ...failed, id: `exec-${status}`, detail: { ...failed.detail, status } });
    const result = await handler(snsEvent(event), context());
    expect(result.outcomes).toEqual(['delivered']);
    expect(posted()[0]?.text).toContain(`Status: ${status}`);
  });

  it('posts a duplicate EventBridge event (same id) only once', async () => {
    const message = fixture('batch-job-state-change-failed-spot.json');
    const first = await handler(snsEvent(message), context());
    const second = await handler(snsEvent(message), context());
    expect(first.outcomes).toEqual(['delivered']);
    expect(second.outcomes).toEqual(['duplicate']);
    expect(slack.requests).toHaveLength(1);
  });

  it('waits for Retry-After on a 429 and then posts once', async () => {
    slack.enqueue(SLACK.rateLimited(1));
    const started = performance.now();
    const result = await handler(snsEvent(fixture('batch-job-state-change-failed-oom.json')), context());
    const elapsed = performance.now() - started;
    expect(result.outcomes).toEqual(['delivered']);
    expect(slack.requests).toHaveLength(2);
    expect(elapsed).toBeGreaterThanOrEqual(1000);
    console.info(`[measure] handler 429 Retry-After: 1 -> delivered after ${elapsed.toFixed(0)} ms`);
  });

  it('retries a 5xx and posts', async () => {
    slack.enqueue(SLACK.serverError);
    const result = await handler(snsEvent(fixture('batch-job-state-change-failed-oom.json')), context());
    expect(result.outcomes).toEqual(['delivered']);
    expect(slack.requests).toHaveLength(2);
  });

  it("sends a permanent 4xx straight to the DLQ with Slack's answer, after one request", async () => {
    slack.enqueue(SLACK.channelNotFound);
    const message = fixture('batch-job-state-change-failed-spot.json');
    const result = await handler(snsEvent(message), context());
    expect(result.outcomes).toEqual(['dead-lettered']);
    expect(slack.requests).toHaveLength(1);
    expect(sqs).toHaveReceivedCommandTimes(SendMessageCommand, 1);
    const sent = sqs.commandCalls(SendMessageCommand)[0]?.args[0].input;
    expect(sent?.QueueUrl).toBe(DLQ_URL);
    const letter = JSON.parse(sent?.MessageBody ?? '{}');
    expect(letter).toMatchObject({ error: 'PermanentDeliveryError', message });
    expect(letter.reason).toMatch(/HTTP 404 channel_not_found/);
    expect(logLines.join('\n')).toMatch(/"level":"ERROR".*channel_not_found/);

    // Once Slack is fixed, the replayed event is delivered: the failure left no dedupe record behind.
    const replay = await handler(snsEvent(message), context());
    expect(replay.outcomes).toEqual(['delivered']);
    expect(slack.requests).toHaveLength(2);
  });

  it('sends an invalid_payload answer to the DLQ without retrying', async () => {
    slack.enqueue(SLACK.invalidPayload);
    const result = await handler(snsEvent(fixture('batch-job-state-change-failed-oom.json')), context());
    expect(result.outcomes).toEqual(['dead-lettered']);
    expect(slack.requests).toHaveLength(1);
    expect(sqs).toHaveReceivedCommandTimes(SendMessageCommand, 1);
  });

  it('dead-letters an event that is not a Batch or Step Functions event, without calling Slack', async () => {
    const result = await handler(snsEvent(JSON.stringify({ id: 'x', source: 'aws.ec2' })), context());
    expect(result.outcomes).toEqual(['dead-lettered']);
    expect(slack.requests).toHaveLength(0);
    expect(sqs).toHaveReceivedCommandTimes(SendMessageCommand, 1);
  });

  it('dead-letters every event while the secret still holds the placeholder', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: 'SET-ME: the Slack incoming-webhook URL' });
    // Past the cache TTL (5 minutes) the notifier reads the secret again.
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 10 * 60_000 });
    try {
      const result = await handler(snsEvent(fixture('step-functions-execution-failed.json')), context());
      expect(result.outcomes).toEqual(['dead-lettered']);
      expect(slack.requests).toHaveLength(0);
      const letter = JSON.parse(sqs.commandCalls(SendMessageCommand)[0]?.args[0].input.MessageBody ?? '{}');
      expect(letter.error).toBe('WebhookConfigError');
      expect(letter.reason).not.toContain('SET-ME');
    } finally {
      vi.useRealTimers();
    }
  });

  it('fails the invocation when Slack stays down, so Lambda retries, and re-posts nothing that succeeded', async () => {
    const ok = fixture('batch-job-state-change-failed-oom.json');
    const down = fixture('batch-job-state-change-failed-spot.json');
    // First record: 200. Second record: 500 until the invocation's time runs out.
    slack.enqueue(SLACK.ok, ...Array.from({ length: 50 }, () => SLACK.serverError));
    await expect(handler(snsEvent(ok, down), context(7_000))).rejects.toMatchObject({
      name: 'NotificationDeliveryError',
    });
    expect(sqs).not.toHaveReceivedCommand(SendMessageCommand);
    const afterFirst = slack.requests.length;
    expect(afterFirst).toBeGreaterThan(2);

    // Lambda's retry of the same payload: the delivered record is not posted again.
    slack.reset();
    const retry = await handler(snsEvent(ok, down), context());
    expect(retry.outcomes).toEqual(['duplicate', 'delivered']);
    expect(slack.requests).toHaveLength(1);
    expect(posted()[0]?.text).toContain('processor-2026-11-20T03');
  });

  it('delivers dead letters moved to the replay queue and reports the ones that still fail', async () => {
    const spot = fixture('batch-job-state-change-failed-spot.json');
    const oom = fixture('batch-job-state-change-failed-oom.json');
    const sqsEvent = {
      Records: [
        {
          eventSource: 'aws:sqs',
          messageId: 'm-1',
          body: JSON.stringify({
            kind: 'batch-orchestrator.slack-notifier.dead-letter',
            error: 'PermanentDeliveryError',
            reason: 'HTTP 404 channel_not_found',
            message: spot,
          }),
        },
        {
          eventSource: 'aws:sqs',
          messageId: 'm-2',
          body: JSON.stringify({
            requestContext: { condition: 'RetriesExhausted' },
            requestPayload: snsEvent(oom),
            responsePayload: {},
          }),
        },
      ],
    };
    // The first body is delivered; the second meets a Slack that is still down.
    slack.enqueue(SLACK.ok, ...Array.from({ length: 50 }, () => SLACK.unavailable));
    const result = (await handler(sqsEvent, context(7_000))) as {
      outcomes: string[];
      batchItemFailures: { itemIdentifier: string }[];
    };
    expect(result.outcomes).toEqual(['delivered']);
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'm-2' }]);
    expect(JSON.parse(slack.requests[0]?.body ?? '{}').text).toContain('processor-2026-11-20T03');
  });

  it('writes structured JSON logs and never the webhook URL', () => {
    const all = logLines.join('\n');
    expect(all.length).toBeGreaterThan(0);
    expect(all).toContain('Posted to Slack');
    expect(all).not.toContain('sEcReTwEbHoOkToKeN');
    expect(all).not.toContain(SECRET_PATH);
    expect(all).not.toContain(slack.webhookUrl(SECRET_PATH));
    const jsonLines = logLines
      .flatMap((l) => l.split('\n'))
      .filter((l) => l.startsWith('{"level"') || l.startsWith('{"cold_start"'));
    expect(jsonLines.length).toBeGreaterThan(5);
    for (const line of jsonLines) expect(() => JSON.parse(line)).not.toThrow();
  });
});

describe('Slack notifier configuration', () => {
  it('fails at load naming a missing environment variable', async () => {
    vi.resetModules();
    vi.stubEnv('DEAD_LETTER_QUEUE_URL', '');
    await expect(import(NOTIFIER_MODULE)).rejects.toThrow(/DEAD_LETTER_QUEUE_URL/);
    vi.stubEnv('DEAD_LETTER_QUEUE_URL', DLQ_URL);
  });

  it('posts the statuses named in NOTIFY_STATUSES, e.g. RUNNABLE', async () => {
    vi.resetModules();
    vi.stubEnv('NOTIFY_STATUSES', 'RUNNABLE,FAILED');
    try {
      const configured = (await import(NOTIFIER_MODULE)) as NotifierModule;
      slack.reset();
      secrets.on(GetSecretValueCommand).resolves({ SecretString: slack.webhookUrl(SECRET_PATH) });
      const result = await configured.handler(
        snsEvent(fixture('batch-job-state-change-runnable.json')),
        context(),
      );
      expect(result.outcomes).toEqual(['delivered']);
      const [message] = posted();
      for (const text of ['Status: RUNNABLE', 'Queue: PexjEHappyPathCanary2JobQueue', 'Job name: event-test'])
        expect(message?.text).toContain(text);
    } finally {
      vi.stubEnv('NOTIFY_STATUSES', '');
    }
  });

  it('fails at load naming NOTIFY_STATUSES when it holds an unknown status', async () => {
    vi.resetModules();
    vi.stubEnv('NOTIFY_STATUSES', 'FAILED,DONE');
    try {
      await expect(import(NOTIFIER_MODULE)).rejects.toThrow(/NOTIFY_STATUSES.*DONE/);
    } finally {
      vi.stubEnv('NOTIFY_STATUSES', '');
    }
  });

  it('fails at load when LOG_GROUPS_BY_JOB_DEFINITION is not a JSON map', async () => {
    vi.resetModules();
    vi.stubEnv('LOG_GROUPS_BY_JOB_DEFINITION', '["x"]');
    await expect(import(NOTIFIER_MODULE)).rejects.toThrow(/LOG_GROUPS_BY_JOB_DEFINITION/);
  });
});
