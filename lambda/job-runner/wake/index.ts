/**
 * Wake (`completion: 'events'`): triggered by the EventBridge rule on
 * "Batch Job State Change" events of this app's queues with a terminal status
 * (SUCCEEDED, FAILED; array children excluded by the rule). It records the
 * event on the job's item (one atomic UpdateItem, ALL_NEW) and completes the
 * wait of every execution registered there with the same result the Describe
 * step would return, built from the event itself: the event's detail is the
 * job as DescribeJobs reports it, so no Batch call is needed.
 *
 * Idempotent: a redelivered event completes nothing twice (a finished wait
 * answers TaskTimedOut / InvalidToken, which is ignored).
 */
import type { JobDetail } from '@aws-sdk/client-batch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { requireEnv } from '../../shared/env';
import { isTerminalStatus } from '../../shared/job-status';
import { rethrowBatchError } from '../shared/batch-api';
import { clock } from '../shared/clock';
import { parseHandlerInput } from '../shared/errors';
import { createLogger } from '../shared/logger';
import { toSnapshot } from '../shared/state';
import { completeWait } from '../shared/task-token';
import { recordJobEvent, resultFromSnapshot } from '../shared/waiters';

const logger = createLogger('wake');
const tableName = requireEnv('WAIT_TABLE_NAME');
const dynamodb = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
  marshallOptions: { removeUndefinedValues: true },
});
const sfn = new SFNClient({});

/** The EventBridge "Batch Job State Change" event (the fields used; the detail is a JobDetail). */
export const jobStateChangeSchema = z.object({
  source: z.literal('aws.batch'),
  'detail-type': z.literal('Batch Job State Change'),
  detail: z
    .object({
      jobId: z.string().min(1),
      status: z.string(),
      arrayProperties: z.object({ index: z.number().optional() }).passthrough().optional(),
    })
    .passthrough(),
});

/** What Wake did. */
export type WakeResult =
  | { readonly action: 'skipped'; readonly why: string }
  | { readonly action: 'recorded'; readonly jobId: string; readonly woken: number; readonly stale: number };

/** Lambda entry point. */
export async function handler(event: unknown): Promise<WakeResult> {
  const { detail } = parseHandlerInput('wake', jobStateChangeSchema, event);
  const result = await wake(detail as unknown as JobDetail);
  logger.info(result.action === 'recorded' ? 'job event recorded' : 'event skipped', {
    jobId: detail.jobId,
    status: detail.status,
    ...result,
  });
  return result;
}

/** Records the terminal event and completes every registered wait. */
export async function wake(detail: JobDetail): Promise<WakeResult> {
  if (!isTerminalStatus(detail.status)) return { action: 'skipped', why: `status ${detail.status}` };
  // Children of an array job are never waited for: only the parent is.
  if (detail.arrayProperties?.index !== undefined) return { action: 'skipped', why: 'array child' };
  const jobId = detail.jobId ?? '';
  const snapshot = toSnapshot(detail);
  try {
    const item = await recordJobEvent(dynamodb, tableName, { jobId, event: snapshot, nowMs: clock.now() });
    let woken = 0;
    let stale = 0;
    for (const { waiter, checks } of item.waiters) {
      const result = resultFromSnapshot(waiter, checks, snapshot, clock.now());
      if ((await completeWait(sfn, waiter.taskToken, result)) === 'sent') woken++;
      else stale++;
    }
    return { action: 'recorded', jobId, woken, stale };
  } catch (error) {
    // Transient DynamoDB / Step Functions errors: thrown, so the asynchronous invocation is retried.
    return rethrowBatchError(error);
  }
}
