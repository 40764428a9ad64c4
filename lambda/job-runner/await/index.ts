/**
 * Await (`completion: 'events'`): the body of the WaitForCompletion callback
 * task (`lambda:invoke.waitForTaskToken`). It never returns the result itself;
 * the wait ends by SendTaskSuccess (here or in Wake) or by the task's timeout.
 *
 * 1. Register this execution's task token under the job's item and count one
 *    status check (one atomic UpdateItem, ALL_NEW).
 * 2. If the job's terminal event is already in the item (it arrived before
 *    this registration), complete the wait from it: no DescribeJobs.
 * 3. Otherwise make ONE DescribeJobs call (the fallback check: covers a lost
 *    event and a job that finished before its event rule saw it). Terminal,
 *    deadline passed or job not found: complete the wait with the same result
 *    the Describe step would return. Still running: leave the token
 *    registered; Wake completes it when the job's terminal event arrives, or
 *    the task times out after the fallback interval and the state machine
 *    enters this step again.
 */
import { BatchClient } from '@aws-sdk/client-batch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { requireEnv } from '../../shared/env';
import { describeJob, rethrowBatchError } from '../shared/batch-api';
import { clock } from '../shared/clock';
import { parseHandlerInput } from '../shared/errors';
import { createLogger } from '../shared/logger';
import { type CheckResult, decideNextCheck } from '../shared/poll';
import { jobRefSchema, pollStateSchema, runTimingSchema, toSnapshot } from '../shared/state';
import { completeWait } from '../shared/task-token';
import { registerWaiter, resultFromSnapshot } from '../shared/waiters';

const logger = createLogger('await');
const tableName = requireEnv('WAIT_TABLE_NAME');
const batch = new BatchClient({});
const dynamodb = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
  marshallOptions: { removeUndefinedValues: true },
});
const sfn = new SFNClient({});

/** The WaitForCompletion step's payload. */
export const awaitEventSchema = z.object({
  /** `$$.Task.Token` of this wait. */
  taskToken: z.string().min(1),
  run: runTimingSchema,
  job: jobRefSchema,
  poll: pollStateSchema,
});
/** The WaitForCompletion step's payload. */
export type AwaitEvent = z.infer<typeof awaitEventSchema>;

/** What this invocation did (logged and returned; Step Functions ignores it). */
export type AwaitOutcome =
  | { readonly action: 'completed'; readonly source: 'event' | 'describe'; readonly result: CheckResult }
  | { readonly action: 'waiting'; readonly checks: number; readonly status?: string };

/** Lambda entry point. */
export async function handler(event: unknown): Promise<AwaitOutcome> {
  const input = parseHandlerInput('await', awaitEventSchema, event);
  const outcome = await awaitCompletion(input);
  logger.info(outcome.action === 'completed' ? 'wait completed' : 'waiting for the job event', {
    executionArn: input.run.executionArn,
    jobId: input.job.jobId,
    ...(outcome.action === 'completed'
      ? { source: outcome.source, next: outcome.result.poll.next, polls: outcome.result.poll.polls }
      : { checks: outcome.checks, status: outcome.status }),
  });
  return outcome;
}

/** Registers the wait, then completes it at once when the job's end is already known. */
export async function awaitCompletion(input: AwaitEvent): Promise<AwaitOutcome> {
  const { run, job, taskToken } = input;
  try {
    const item = await registerWaiter(dynamodb, tableName, {
      jobId: job.jobId,
      executionArn: run.executionArn,
      waiter: { taskToken, run, job },
      nowMs: clock.now(),
    });
    // Registrations counted so far, this one included: each made one DescribeJobs status check, except
    // this one when the event is already here.
    const checks = item.waiters.find((w) => w.executionArn === run.executionArn)?.checks ?? 1;
    if (item.event !== undefined) {
      const result = resultFromSnapshot({ run, job }, checks - 1, item.event, clock.now());
      await completeWait(sfn, taskToken, result);
      return { action: 'completed', source: 'event', result };
    }
    const detail = await describeJob(batch, job.jobId);
    const result = decideNextCheck({
      run,
      jobRef: job,
      poll: { ...input.poll, polls: checks - 1 },
      job: detail === undefined ? undefined : toSnapshot(detail),
      nowMs: clock.now(),
    });
    if (result.poll.next === 'WAIT') return { action: 'waiting', checks, status: result.job.status };
    await completeWait(sfn, taskToken, result);
    return { action: 'completed', source: 'describe', result };
  } catch (error) {
    // Throttling, 5xx and network errors of Batch, DynamoDB or Step Functions keep a name the state retries.
    return rethrowBatchError(error);
  }
}
