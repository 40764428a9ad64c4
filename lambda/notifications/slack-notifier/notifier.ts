/**
 * Per-record processing of the Slack notifier: parse, dedupe, format,
 * deliver, and route what can never succeed to the dead-letter queue.
 *
 * Records are processed independently. A record that cannot be delivered yet
 * (Slack down, rate limited past the time left) makes the invocation fail so
 * Lambda retries it and finally sends it to the on-failure destination; the
 * records that did succeed are recorded by the idempotency store, so a retry
 * does not post them again.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { eventsInDeadLetter } from './dead-letters';
import {
  type DeliveryResult,
  DeliveryRetriesExhaustedError,
  PermanentDeliveryError,
  type RetryInfo,
} from './deliver';
import {
  InvalidNotificationEventError,
  NOTIFIED_EXECUTION_STATUSES,
  type NotificationEvent,
  parseNotificationEvent,
  snsEventSchema,
  sqsEventSchema,
} from './events';
import { type FormatOptions, formatNotification, type SlackMessage } from './format';
import { WebhookConfigError } from './webhook';

/** Body of a message the notifier itself puts in the dead-letter queue. */
export interface NotifierDeadLetter {
  readonly kind: typeof DEAD_LETTER_KIND;
  /** The error name, e.g. `PermanentDeliveryError`. */
  readonly error: string;
  /** What went wrong, with Slack's answer when there is one (never the URL). */
  readonly reason: string;
  /** The original SNS message (the EventBridge event JSON), ready to be re-published. */
  readonly message: string;
}

/** Marks dead letters written by the notifier (vs. SNS's and Lambda's own). */
export const DEAD_LETTER_KIND = 'batch-orchestrator.slack-notifier.dead-letter';

/** What the notifier needs from the outside world. */
export interface NotifierDeps {
  readonly logger: Logger;
  readonly format: FormatOptions;
  /** Resolves the webhook URL (cached). */
  readonly webhookUrl: () => Promise<string>;
  readonly invalidateWebhookUrl: () => void;
  /** Posts to Slack; `deadlineAt` is epoch ms. */
  readonly deliver: (
    url: string,
    message: SlackMessage,
    deadlineAt: number,
    onRetry: (info: RetryInfo) => void,
  ) => Promise<DeliveryResult>;
  /**
   * Runs `notify` at most once per event id (the idempotency store); for a
   * duplicate it returns the stored result without calling `notify`.
   */
  readonly once: (
    event: NotificationEvent,
    notify: (event: NotificationEvent) => Promise<NotifyResult>,
  ) => Promise<NotifyResult>;
  /** Sends a dead letter to the notifier's DLQ. */
  readonly deadLetter: (letter: NotifierDeadLetter) => Promise<void>;
  /** Epoch ms by which the invocation must be done with Slack. */
  readonly deadlineAt: () => number;
  /**
   * Batch job statuses that are posted (the EventBridge rule filters on the same list; this
   * is the handler's own guard for an event that reaches it anyway, e.g. an old rule or a replay).
   * @default - every status
   */
  readonly notifiedStatuses?: readonly string[];
}

/** Stored per event id by the idempotency layer. */
export interface NotifyResult {
  readonly deliveredAt: string;
  readonly attempts: number;
}

/** Outcome of one record. */
export type RecordOutcome = 'delivered' | 'duplicate' | 'dead-lettered' | 'skipped';

/** At least one record could not be delivered yet; Lambda retries the invocation. */
export class NotificationDeliveryError extends Error {
  constructor(readonly failures: readonly { messageId?: string | undefined; error: string }[]) {
    super(`${failures.length} notification(s) not delivered yet: ${failures.map((f) => f.error).join('; ')}`);
    this.name = 'NotificationDeliveryError';
  }
}

/** Partial-batch answer of an SQS event source mapping. */
export interface SqsBatchResponse {
  batchItemFailures: { itemIdentifier: string }[];
}

/**
 * Entry for both event sources: SNS (live notifications) and SQS (the replay
 * queue, fed from the dead-letter queue by a message move task).
 */
export async function processEvent(
  input: unknown,
  deps: NotifierDeps,
): Promise<{ outcomes: RecordOutcome[] } & Partial<SqsBatchResponse>> {
  const firstRecord = (input as { Records?: { eventSource?: unknown }[] } | null)?.Records?.[0];
  if (firstRecord?.eventSource === 'aws:sqs') return processReplayBatch(input, deps);
  return { outcomes: await processSnsEvent(input, deps) };
}

/**
 * Processes a batch from the replay queue. Each body is a dead letter holding
 * one or more events; a body whose events cannot all be delivered yet is
 * reported as a batch item failure (SQS redelivers it, and after the queue's
 * maxReceiveCount it returns to the dead-letter queue).
 */
export async function processReplayBatch(
  input: unknown,
  deps: NotifierDeps,
): Promise<{ outcomes: RecordOutcome[] } & SqsBatchResponse> {
  const parsed = sqsEventSchema.safeParse(input);
  if (!parsed.success) {
    deps.logger.error('Input is not an SQS event', { issues: parsed.error.issues.map((i) => i.message) });
    throw new InvalidNotificationEventError([
      { path: '$', message: 'expected an SQS event with Records[].body' },
    ]);
  }
  const outcomes: RecordOutcome[] = [];
  const batchItemFailures: { itemIdentifier: string }[] = [];
  for (const record of parsed.data.Records) {
    const messages = eventsInDeadLetter(record.body) ?? [record.body];
    try {
      for (const message of messages) outcomes.push(await processMessage(message, deps));
    } catch (error) {
      deps.logger.warn('Replayed notification not delivered yet; SQS will redeliver it', {
        sqsMessageId: record.messageId,
        error: { name: (error as Error).name, message: (error as Error).message },
      });
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { outcomes, batchItemFailures };
}

/** Processes an SNS event; resolves with one outcome per record or throws {@link NotificationDeliveryError}. */
export async function processSnsEvent(input: unknown, deps: NotifierDeps): Promise<RecordOutcome[]> {
  const parsed = snsEventSchema.safeParse(input);
  if (!parsed.success) {
    // Not an SNS event at all (wrong wiring): nothing to dead-letter record by record.
    deps.logger.error('Input is not an SNS event', { issues: parsed.error.issues.map((i) => i.message) });
    throw new InvalidNotificationEventError([
      { path: '$', message: 'expected an SNS event with Records[].Sns.Message' },
    ]);
  }
  const outcomes: RecordOutcome[] = [];
  const failures: { messageId?: string | undefined; error: string }[] = [];
  for (const record of parsed.data.Records) {
    try {
      outcomes.push(await processMessage(record.Sns.Message, deps));
    } catch (error) {
      const name = error instanceof Error ? error.name : 'Error';
      const message = error instanceof Error ? error.message : String(error);
      deps.logger.warn('Notification not delivered yet; the invocation will be retried', {
        snsMessageId: record.Sns.MessageId,
        error: { name, message },
      });
      failures.push({ messageId: record.Sns.MessageId, error: `${name}: ${message}` });
    }
  }
  if (failures.length > 0) throw new NotificationDeliveryError(failures);
  return outcomes;
}

async function processMessage(message: string, deps: NotifierDeps): Promise<RecordOutcome> {
  let event: NotificationEvent;
  try {
    event = parseNotificationEvent(message);
  } catch (error) {
    if (!(error instanceof InvalidNotificationEventError)) throw error;
    deps.logger.error('Invalid notification event; sent to the dead-letter queue', { issues: error.issues });
    await deps.deadLetter({ kind: DEAD_LETTER_KIND, error: error.name, reason: error.message, message });
    return 'dead-lettered';
  }

  const keys = describe(event);
  if (!isNotified(event, deps.notifiedStatuses)) {
    deps.logger.info('Status not configured for notification; not posted', {
      ...keys,
      notifiedStatuses: event.source === 'aws.batch' ? deps.notifiedStatuses : NOTIFIED_EXECUTION_STATUSES,
    });
    return 'skipped';
  }
  let called = false;
  try {
    const result = await deps.once(event, async (e) => {
      called = true;
      return notify(e, deps);
    });
    if (!called) {
      deps.logger.info('Duplicate event; already posted to Slack', {
        ...keys,
        deliveredAt: result.deliveredAt,
      });
      return 'duplicate';
    }
    return 'delivered';
  } catch (error) {
    if (error instanceof PermanentDeliveryError || error instanceof WebhookConfigError) {
      if (error instanceof WebhookConfigError) deps.invalidateWebhookUrl();
      // Loud on purpose: someone has to fix the webhook or the payload, then replay the DLQ.
      deps.logger.error('Slack delivery failed permanently; sent to the dead-letter queue', {
        ...keys,
        errorName: error.name,
        slackStatus: error instanceof PermanentDeliveryError ? error.status : undefined,
        slackError: error instanceof PermanentDeliveryError ? error.slackError : undefined,
        reason: error.message,
      });
      await deps.deadLetter({ kind: DEAD_LETTER_KIND, error: error.name, reason: error.message, message });
      return 'dead-lettered';
    }
    if (error instanceof DeliveryRetriesExhaustedError) {
      deps.logger.error('Slack delivery retries exhausted in this invocation', {
        ...keys,
        attempts: error.attempts,
        lastFailure: error.lastFailure,
      });
    }
    throw error;
  }
}

async function notify(event: NotificationEvent, deps: NotifierDeps): Promise<NotifyResult> {
  const keys = describe(event);
  const slackMessage = formatNotification(event, deps.format);
  const url = await deps.webhookUrl();
  const result = await deps.deliver(url, slackMessage, deps.deadlineAt(), (info) =>
    deps.logger.warn('Slack delivery will be retried', { ...keys, ...info }),
  );
  deps.logger.info('Posted to Slack', { ...keys, attempts: result.attempts, waitedMs: result.waitedMs });
  return { deliveredAt: new Date().toISOString(), attempts: result.attempts };
}

/** The same filter as the EventBridge rules: configured job statuses; executions that did not succeed. */
function isNotified(event: NotificationEvent, jobStatuses: readonly string[] | undefined): boolean {
  if (event.source === 'aws.batch')
    return jobStatuses === undefined || jobStatuses.includes(event.detail.status);
  return (NOTIFIED_EXECUTION_STATUSES as readonly string[]).includes(event.detail.status);
}

function describe(event: NotificationEvent): Record<string, unknown> {
  return event.source === 'aws.batch'
    ? {
        eventId: event.id,
        jobId: event.detail.jobId,
        jobName: event.detail.jobName,
        status: event.detail.status,
      }
    : { eventId: event.id, executionArn: event.detail.executionArn, status: event.detail.status };
}
