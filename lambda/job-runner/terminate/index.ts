/**
 * Terminate: stops the job of an execution whose deadline passed (submit
 * mode only; in attach mode this runner did not start the job and leaves it
 * running). The reason names the execution so whoever reads the job knows
 * who stopped it, and the classifier recognises it as a deadline.
 */
import { BatchClient } from '@aws-sdk/client-batch';
import { z } from 'zod';
import { DEADLINE_REASON_PREFIX } from '../../shared/classify';
import {
  isClientException,
  MAX_TERMINATE_REASON_LENGTH,
  rethrowBatchError,
  terminateJob,
} from '../shared/batch-api';
import { sanitiseMessage } from '../shared/caught-error';
import { parseHandlerInput } from '../shared/errors';
import { createLogger } from '../shared/logger';

const logger = createLogger('terminate');
const batch = new BatchClient({});

/** The Terminate step's input. */
export const terminateEventSchema = z.object({
  jobId: z.string().min(1),
  executionArn: z.string().min(1),
});

/** The Terminate step's result. */
export interface TerminateResult {
  readonly jobId: string;
  readonly terminated: boolean;
  readonly reason: string;
}

/** The TerminateJob reason for a passed deadline (at most 1024 characters). */
export function deadlineReason(executionArn: string): string {
  return `${DEADLINE_REASON_PREFIX} for execution ${executionArn}`.slice(0, MAX_TERMINATE_REASON_LENGTH);
}

/** Lambda entry point. */
export async function handler(event: unknown): Promise<TerminateResult> {
  const input = parseHandlerInput('terminate', terminateEventSchema, event);
  const reason = deadlineReason(input.executionArn);
  try {
    await terminateJob(batch, input.jobId, reason);
  } catch (error) {
    // The job is gone (expired) or otherwise not terminable: the deadline still fails the execution.
    if (isClientException(error)) {
      logger.warn('job could not be terminated', {
        jobId: input.jobId,
        error: sanitiseMessage((error as Error).message ?? ''),
      });
      return { jobId: input.jobId, terminated: false, reason };
    }
    rethrowBatchError(error);
  }
  logger.info('job terminated', { executionArn: input.executionArn, jobId: input.jobId });
  return { jobId: input.jobId, terminated: true, reason };
}
