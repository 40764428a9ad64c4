/**
 * Schemas of what reaches the Slack notifier: an SNS event whose messages are
 * EventBridge events, either a "Batch Job State Change" or a "Step Functions
 * Execution Status Change". Only the fields the notifier reads are checked;
 * everything else AWS adds is let through untouched.
 */
import { z } from 'zod';

const container = z
  .looseObject({
    exitCode: z.number().int().optional(),
    reason: z.string().optional(),
    logStreamName: z.string().optional(),
  })
  .optional();

/** `detail` of a "Batch Job State Change" event (a JobDetail subset). */
export const batchJobDetailSchema = z.looseObject({
  jobId: z.string().min(1),
  jobName: z.string().min(1),
  jobArn: z.string().optional(),
  jobQueue: z.string().min(1),
  jobDefinition: z.string().optional(),
  status: z.string().min(1),
  statusReason: z.string().optional(),
  createdAt: z.number().optional(),
  startedAt: z.number().optional(),
  stoppedAt: z.number().optional(),
  attempts: z
    .array(
      z.looseObject({
        container,
        statusReason: z.string().optional(),
        startedAt: z.number().optional(),
        stoppedAt: z.number().optional(),
      }),
    )
    .optional(),
  container,
  arrayProperties: z
    .looseObject({
      size: z.number().int().optional(),
      index: z.number().int().optional(),
      statusSummary: z.record(z.string(), z.number()).optional(),
    })
    .optional(),
});

/** Job-runner execution statuses that are notified (the EventBridge rule and the notifier use this list). */
export const NOTIFIED_EXECUTION_STATUSES = ['FAILED', 'TIMED_OUT', 'ABORTED'] as const;

/** `detail` of a "Step Functions Execution Status Change" event. */
export const executionDetailSchema = z.looseObject({
  executionArn: z.string().min(1),
  stateMachineArn: z.string().min(1),
  name: z.string().min(1),
  status: z.string().min(1),
  startDate: z.number().nullish(),
  stopDate: z.number().nullish(),
  error: z.string().nullish(),
  cause: z.string().nullish(),
});

const envelope = {
  id: z.string().min(1),
  account: z.string().min(1),
  region: z.string().min(1),
  time: z.string().min(1),
};

/** An EventBridge "Batch Job State Change" event. */
export const batchJobEventSchema = z.looseObject({
  ...envelope,
  source: z.literal('aws.batch'),
  'detail-type': z.literal('Batch Job State Change'),
  detail: batchJobDetailSchema,
});

/** An EventBridge "Step Functions Execution Status Change" event. */
export const executionEventSchema = z.looseObject({
  ...envelope,
  source: z.literal('aws.states'),
  'detail-type': z.literal('Step Functions Execution Status Change'),
  detail: executionDetailSchema,
});

/** Any event the notifier formats. */
export const notificationEventSchema = z.discriminatedUnion('source', [
  batchJobEventSchema,
  executionEventSchema,
]);

export type BatchJobEvent = z.infer<typeof batchJobEventSchema>;
export type ExecutionEvent = z.infer<typeof executionEventSchema>;
export type NotificationEvent = z.infer<typeof notificationEventSchema>;

/** The SNS -> Lambda event, as much as the notifier reads. */
export const snsEventSchema = z.looseObject({
  Records: z
    .array(
      z.looseObject({
        Sns: z.looseObject({
          MessageId: z.string().optional(),
          Message: z.string(),
        }),
      }),
    )
    .min(1),
});

export type SnsEventInput = z.infer<typeof snsEventSchema>;

/** The SQS -> Lambda event of the replay queue (bodies are dead letters). */
export const sqsEventSchema = z.looseObject({
  Records: z
    .array(
      z.looseObject({
        eventSource: z.literal('aws:sqs'),
        messageId: z.string().min(1),
        body: z.string(),
      }),
    )
    .min(1),
});

export type SqsEventInput = z.infer<typeof sqsEventSchema>;

/** A message is not a notifiable event: it names the bad fields and is never retried. */
export class InvalidNotificationEventError extends Error {
  constructor(
    readonly issues: readonly { path: string; message: string }[],
    options?: { cause?: unknown },
  ) {
    super(`Invalid notification event: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, options);
    this.name = 'InvalidNotificationEventError';
  }
}

/** Parses one SNS message body into an event; throws {@link InvalidNotificationEventError}. */
export function parseNotificationEvent(message: string): NotificationEvent {
  let json: unknown;
  try {
    json = JSON.parse(message);
  } catch (error) {
    throw new InvalidNotificationEventError([{ path: '$', message: 'not JSON' }], { cause: error });
  }
  const parsed = notificationEventSchema.safeParse(json);
  if (!parsed.success) {
    throw new InvalidNotificationEventError(
      parsed.error.issues.map((issue) => ({
        path: issue.path.length === 0 ? '$' : issue.path.map(String).join('.'),
        message: issue.message,
      })),
    );
  }
  return parsed.data;
}
