/**
 * Describe: one status check. Exactly ONE DescribeJobs call whatever the
 * array size (only the parent is described), then the pure decision of
 * `decideNextCheck`: the next step and the next wait. The result is small
 * (`$.check`): a job snapshot, the polling bookkeeping and, on success, the
 * SPEC output.
 */
import { BatchClient } from '@aws-sdk/client-batch';
import { z } from 'zod';
import { describeJob, rethrowBatchError } from '../shared/batch-api';
import { clock } from '../shared/clock';
import { parseHandlerInput } from '../shared/errors';
import { createLogger } from '../shared/logger';
import { type CheckResult, decideNextCheck } from '../shared/poll';
import { jobRefSchema, pollStateSchema, runTimingSchema, toSnapshot } from '../shared/state';

const logger = createLogger('describe');
const batch = new BatchClient({});

/** The Describe step's input. */
export const describeEventSchema = z.object({
  run: runTimingSchema,
  job: jobRefSchema,
  poll: pollStateSchema,
});

/** Lambda entry point. */
export async function handler(event: unknown): Promise<CheckResult> {
  const input = parseHandlerInput('describe', describeEventSchema, event);
  let detail: Awaited<ReturnType<typeof describeJob>>;
  try {
    detail = await describeJob(batch, input.job.jobId);
  } catch (error) {
    rethrowBatchError(error);
  }
  const result = decideNextCheck({
    run: input.run,
    jobRef: input.job,
    poll: input.poll,
    job: detail === undefined ? undefined : toSnapshot(detail),
    nowMs: clock.now(),
  });
  logger.info('status checked', {
    executionArn: input.run.executionArn,
    jobId: input.job.jobId,
    status: result.job.status ?? 'NOT_FOUND',
    polls: result.poll.polls,
    next: result.poll.next,
    delaySeconds: result.poll.delaySeconds,
  });
  return result;
}
