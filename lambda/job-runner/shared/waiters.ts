/**
 * Event wake-up bookkeeping (`completion: 'events'`): one DynamoDB item per
 * Batch job, written by both sides of the race with ONE atomic UpdateItem each
 * (`ReturnValues: ALL_NEW`):
 *
 * - the Await step registers its execution's task token (`waiter:<executionArn>`)
 *   and counts its status checks (`checks:<executionArn>`);
 * - the Wake function records the job's terminal state-change event (`event`).
 *
 * Whichever write comes second sees the other in its ALL_NEW image, so an event
 * that arrives before the wait registered is never lost: the Await step finds it
 * and completes itself. Several executions may wait for the same job (attach
 * mode), each under its own attribute. Items expire through TTL (`expiresAt`).
 */
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { type CheckResult, decideNextCheck } from './poll';
import { type JobSnapshot, jobRefSchema, jobSnapshotSchema, runTimingSchema } from './state';

/** Attribute-name prefix of a waiting execution's registration. */
export const WAITER_PREFIX = 'waiter:';
/** Attribute-name prefix of an execution's status-check counter. */
export const CHECKS_PREFIX = 'checks:';
/** Items live this long after their last write (DynamoDB TTL, seconds). */
export const WAIT_ITEM_TTL_SECONDS = 2 * 24 * 3600;

/** What a waiting execution stores: its task token and what building its result needs. */
export const waiterSchema = z.object({
  taskToken: z.string().min(1),
  run: runTimingSchema,
  job: jobRefSchema,
});
/** A waiting execution's registration. */
export type Waiter = z.infer<typeof waiterSchema>;

/** The job's item as both sides see it after their write. */
export interface WaitItem {
  readonly jobId: string;
  /** The terminal state the job's event reported, once the event arrived. */
  readonly event?: JobSnapshot;
  /** Every execution waiting for this job, with its status checks so far. */
  readonly waiters: readonly { executionArn: string; waiter: Waiter; checks: number }[];
}

/** Reads a raw item (unknown attributes and malformed registrations are skipped). */
export function parseWaitItem(attributes: Record<string, unknown> | undefined, jobId: string): WaitItem {
  const item = attributes ?? {};
  const event = jobSnapshotSchema.safeParse(item.event);
  const waiters: { executionArn: string; waiter: Waiter; checks: number }[] = [];
  for (const [name, value] of Object.entries(item)) {
    if (!name.startsWith(WAITER_PREFIX)) continue;
    const executionArn = name.slice(WAITER_PREFIX.length);
    const waiter = waiterSchema.safeParse(value);
    if (!waiter.success) continue;
    const checks = item[`${CHECKS_PREFIX}${executionArn}`];
    waiters.push({ executionArn, waiter: waiter.data, checks: typeof checks === 'number' ? checks : 0 });
  }
  return { jobId, ...(event.success ? { event: event.data } : {}), waiters };
}

/**
 * The check result of a waiter once the job's terminal state is known from its
 * event, the same shape the Describe step returns, so RouteOnStatus routes it
 * alike. `polls` stays `statusChecks`, the DescribeJobs status checks already
 * made: an event costs no DescribeJobs call, so it is not a status check
 * (SPEC: "a status check costs exactly one DescribeJobs call").
 */
export function resultFromSnapshot(
  waiter: Pick<Waiter, 'run' | 'job'>,
  statusChecks: number,
  job: JobSnapshot | undefined,
  nowMs: number,
): CheckResult {
  const polls = Math.max(0, statusChecks);
  const result = decideNextCheck({
    run: waiter.run,
    jobRef: waiter.job,
    poll: { polls, notFound: 0, delaySeconds: 0, next: 'WAIT' },
    job,
    nowMs,
  });
  return {
    ...result,
    poll: { ...result.poll, polls },
    ...(result.output !== undefined ? { output: { ...result.output, polls } } : {}),
  };
}

const ttlFrom = (nowMs: number) => Math.floor(nowMs / 1000) + WAIT_ITEM_TTL_SECONDS;

/** Registers (or refreshes) an execution's wait and counts one status check; returns the whole item. */
export async function registerWaiter(
  client: DynamoDBDocumentClient,
  tableName: string,
  input: { jobId: string; executionArn: string; waiter: Waiter; nowMs: number },
): Promise<WaitItem> {
  const out = await client.send(
    new UpdateCommand({
      TableName: tableName,
      Key: { jobId: input.jobId },
      UpdateExpression: 'SET #waiter = :waiter, #ttl = :ttl ADD #checks :one',
      ExpressionAttributeNames: {
        '#waiter': `${WAITER_PREFIX}${input.executionArn}`,
        '#checks': `${CHECKS_PREFIX}${input.executionArn}`,
        '#ttl': 'expiresAt',
      },
      ExpressionAttributeValues: { ':waiter': input.waiter, ':ttl': ttlFrom(input.nowMs), ':one': 1 },
      ReturnValues: 'ALL_NEW',
    }),
  );
  return parseWaitItem(out.Attributes, input.jobId);
}

/** Records the job's terminal event; returns the whole item (with every registered waiter). */
export async function recordJobEvent(
  client: DynamoDBDocumentClient,
  tableName: string,
  input: { jobId: string; event: JobSnapshot; nowMs: number },
): Promise<WaitItem> {
  const out = await client.send(
    new UpdateCommand({
      TableName: tableName,
      Key: { jobId: input.jobId },
      UpdateExpression: 'SET #event = :event, #ttl = :ttl',
      ExpressionAttributeNames: { '#event': 'event', '#ttl': 'expiresAt' },
      ExpressionAttributeValues: { ':event': input.event, ':ttl': ttlFrom(input.nowMs) },
      ReturnValues: 'ALL_NEW',
    }),
  );
  return parseWaitItem(out.Attributes, input.jobId);
}
