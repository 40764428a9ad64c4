/**
 * Classify: turns every way an execution can fail into a SPEC error name and
 * the contract Cause JSON. Pure (no AWS calls, no permissions): a FAILED job
 * goes through the shared classifier; a passed deadline, a missing job and
 * anything a Catch caught are mapped here.
 */
import { z } from 'zod';
import { buildFailureCause, classifyFailure, type FailureCause } from '../../shared/classify';
import { type ContractFailure, normaliseCaughtError } from '../shared/caught-error';
import { parseHandlerInput } from '../shared/errors';
import { createLogger } from '../shared/logger';
import { compact, type JobSnapshot, jobSnapshotSchema, toJobFacts } from '../shared/state';

const logger = createLogger('classify');

/** The Classify step's input: which failure, and its facts. */
export const classifyEventSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('job'), job: jobSnapshotSchema }),
  z.object({
    kind: z.literal('deadline'),
    job: jobSnapshotSchema,
    mode: z.enum(['submit', 'attach']),
    deadlineSeconds: z.number().int().min(1),
  }),
  z.object({ kind: z.literal('notFound'), jobId: z.string().min(1), mode: z.enum(['submit', 'attach']) }),
  z.object({
    kind: z.literal('error'),
    error: z.object({ Error: z.string(), Cause: z.string().nullish() }),
  }),
]);
/** The Classify step's input. */
export type ClassifyEvent = z.infer<typeof classifyEventSchema>;

/** Pure core: a failure -> `{ error, cause }`. */
export function classify(event: ClassifyEvent): ContractFailure {
  switch (event.kind) {
    case 'job': {
      const facts = toJobFacts(event.job);
      const result = classifyFailure(facts);
      return { error: result.error, cause: JSON.stringify(buildFailureCause(facts, result)) };
    }
    case 'deadline':
      return { error: 'Batch.DeadlineExceeded', cause: JSON.stringify(deadlineCause(event)) };
    case 'notFound': {
      const cause: FailureCause = {
        jobId: event.jobId,
        reason:
          event.mode === 'attach'
            ? 'no job with this id: it does not exist, or Batch no longer reports it (finished jobs expire)'
            : 'the submitted job disappeared: Batch no longer reports it',
        classification: 'JobNotFound',
        retryable: false,
      };
      return { error: 'Batch.JobNotFound', cause: JSON.stringify(cause) };
    }
    case 'error':
      return normaliseCaughtError(event.error);
  }
}

function deadlineCause(event: {
  job: JobSnapshot;
  mode: 'submit' | 'attach';
  deadlineSeconds: number;
}): FailureCause {
  const { job } = event;
  const outcome =
    event.mode === 'submit'
      ? 'the job was terminated'
      : 'the job was left running (attach mode: this runner did not submit it)';
  return compact({
    jobId: job.jobId,
    jobName: job.jobName,
    status: job.status,
    statusReason: job.statusReason,
    reason: `deadlineSeconds (${event.deadlineSeconds}) passed while the job was ${job.status ?? 'not finished'}; ${outcome}`,
    classification: 'DeadlineExceeded',
    retryable: false,
    attempts: job.attempts,
  }) as FailureCause;
}

/** Lambda entry point. */
export async function handler(event: unknown): Promise<ContractFailure> {
  const input = parseHandlerInput('classify', classifyEventSchema, event);
  const result = classify(input);
  logger.info('failure classified', { kind: input.kind, error: result.error });
  return result;
}
