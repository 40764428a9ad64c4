/**
 * Slack notifier Lambda: SNS (EventBridge events) -> Slack incoming webhook.
 *
 * Thin edge: configuration and SDK clients are created once at load; the work
 * is in `notifier.ts` (orchestration), `format.ts` (pure), `deliver.ts`
 * (HTTP) and `webhook.ts` (secret).
 *
 * Environment (set by the `Notifications` construct):
 * - `ENV_NAME`: config environment shown in messages.
 * - `SECRET_ID`: ARN or name of the secret holding the webhook URL (not the URL).
 * - `IDEMPOTENCY_TABLE_NAME`: DynamoDB table deduplicating EventBridge event ids.
 * - `DEAD_LETTER_QUEUE_URL`: where permanent failures go at once.
 * - `LOG_GROUPS_BY_JOB_DEFINITION`: optional JSON `{ "<definition name>": "<log group>" }`.
 * - `NOTIFY_STATUSES`: optional comma-separated Batch job statuses to post (default `FAILED,SUCCEEDED`,
 *   as the EventBridge rule); a job event with another status is not posted.
 */
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { requireEnv } from '../../shared/env';
import { isJobStatus, JOB_STATUSES } from '../../shared/job-status';
import { deliverToSlack } from './deliver';
import type { NotificationEvent } from './events';
import {
  type NotifierDeps,
  type NotifyResult,
  processEvent,
  type RecordOutcome,
  type SqsBatchResponse,
} from './notifier';
import { createWebhookUrlProvider } from './webhook';

/** Time kept back from the Lambda timeout to record the outcome and write a dead letter. */
const SAFETY_MARGIN_MS = 5_000;
/** EventBridge redelivers within minutes; a day is ample and keeps the table tiny. */
const DEDUPE_TTL_SECONDS = 86_400;

/** Default of the notified statuses, as in the stack and the config (SPEC: FAILED and SUCCEEDED). */
const DEFAULT_NOTIFIED_STATUSES = ['FAILED', 'SUCCEEDED'] as const;

const logger = new Logger({ serviceName: 'slack-notifier' });

const envName = requireEnv('ENV_NAME');
const secretId = requireEnv('SECRET_ID');
const tableName = requireEnv('IDEMPOTENCY_TABLE_NAME');
const deadLetterQueueUrl = requireEnv('DEAD_LETTER_QUEUE_URL');
const logGroupsByJobDefinition = parseLogGroups(process.env.LOG_GROUPS_BY_JOB_DEFINITION);
const notifiedStatuses = parseStatuses(process.env.NOTIFY_STATUSES);

const secrets = new SecretsManagerClient({});
const sqs = new SQSClient({});
const dynamodb = new DynamoDBClient({});

const webhook = createWebhookUrlProvider(secrets, { secretId });

const idempotencyConfig = new IdempotencyConfig({
  eventKeyJmesPath: 'id',
  expiresAfterSeconds: DEDUPE_TTL_SECONDS,
  throwOnNoIdempotencyKey: true,
});
const persistenceStore = new DynamoDBPersistenceLayer({ tableName, awsSdkV3Client: dynamodb });

const notifyOnce = makeIdempotent(
  async (
    event: NotificationEvent,
    notify: (event: NotificationEvent) => Promise<NotifyResult>,
  ): Promise<NotifyResult> => notify(event),
  { persistenceStore, config: idempotencyConfig },
);

let remainingTime: () => number = () => 60_000;

const deps: NotifierDeps = {
  logger,
  format: { envName, logGroupsByJobDefinition },
  webhookUrl: () => webhook.get(),
  invalidateWebhookUrl: () => webhook.invalidate(),
  deliver: (url, message, deadlineAt, onRetry) => deliverToSlack(url, message, { deadlineAt, onRetry }),
  once: (event, notify) => notifyOnce(event, notify),
  deadLetter: async (letter) => {
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: deadLetterQueueUrl,
        MessageBody: JSON.stringify(letter),
        MessageAttributes: { error: { DataType: 'String', StringValue: letter.error } },
      }),
    );
  },
  deadlineAt: () => Date.now() + remainingTime() - SAFETY_MARGIN_MS,
  notifiedStatuses,
};

/**
 * Lambda entry point: the SNS subscription (live notifications) and the SQS
 * replay queue (dead letters moved back; answers with `batchItemFailures`).
 */
export async function handler(
  event: unknown,
  context: Context,
): Promise<{ outcomes: RecordOutcome[] } & Partial<SqsBatchResponse>> {
  logger.addContext(context);
  idempotencyConfig.registerLambdaContext(context);
  remainingTime = () => context.getRemainingTimeInMillis();
  return processEvent(event, deps);
}

function parseLogGroups(raw: string | undefined): Record<string, string> {
  if (raw === undefined || raw.trim() === '') return {};
  const parsed = z.record(z.string(), z.string().min(1)).safeParse(safeJson(raw));
  if (!parsed.success) {
    throw new Error(
      'LOG_GROUPS_BY_JOB_DEFINITION must be a JSON object of job definition name -> log group name',
    );
  }
  return parsed.data;
}

function parseStatuses(raw: string | undefined): readonly string[] {
  if (raw === undefined || raw.trim() === '') return DEFAULT_NOTIFIED_STATUSES;
  const statuses = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const unknown = statuses.filter((s) => !isJobStatus(s));
  if (statuses.length === 0 || unknown.length > 0) {
    throw new Error(
      `NOTIFY_STATUSES must be a comma-separated list of ${JOB_STATUSES.join(', ')} (received ${JSON.stringify(raw)})`,
    );
  }
  return statuses;
}

function safeJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}
