/**
 * Submit: submits the execution's job, exactly once.
 *
 * Idempotency mechanism: every job is tagged `batch-orchestrator:execution =
 * <execution ARN>` at SubmitJob, and Submit first looks for a job carrying
 * that tag (ListJobs by name, then DescribeJobs of the candidates). A retried
 * Lambda, a retried state or a crash after SubmitJob succeeded therefore
 * finds and returns the job already submitted. The SubmitJob client is built
 * with `maxAttempts: 1` so the SDK's own retries can never send a second
 * SubmitJob; retries happen one level up, in the state's Retry, and always go
 * through the lookup first.
 *
 * Why not Powertools idempotency (a DynamoDB record per execution): a crash
 * between SubmitJob and the record's completion leaves it INPROGRESS, and the
 * retry then either fails until the record expires or, once it expires,
 * submits again. The tag lives on the job itself, so it is written atomically
 * with the submission and survives any crash; it also needs no table.
 */
import { BatchClient, type SubmitJobCommandInput } from '@aws-sdk/client-batch';
import { z } from 'zod';
import type { FailureCause } from '../../shared/classify';
import { requireEnv } from '../../shared/env';
import { EXECUTION_TAG_KEY, parseJobRequest, type SubmitFields } from '../../shared/job-request';
import { isClientException, rethrowBatchError, submitJob } from '../shared/batch-api';
import { sanitiseMessage } from '../shared/caught-error';
import { clock } from '../shared/clock';
import { ContractFailureError, InvalidHandlerInputError, parseHandlerInput } from '../shared/errors';
import { findExecutionJob } from '../shared/find-job';
import { createLogger } from '../shared/logger';

const logger = createLogger('submit');
const defaultJobQueue = requireEnv('DEFAULT_JOB_QUEUE');
/** Lookups may retry on their own: they are reads. */
const lookupClient = new BatchClient({});
/** SubmitJob must never be sent twice by the SDK: one attempt, retries go through the lookup. */
const submitClient = new BatchClient({ maxAttempts: 1 });

/** The Submit step's input. */
export const submitEventSchema = z.object({
  run: z.object({
    mode: z.literal('submit'),
    executionArn: z.string().min(1),
    executionStartMs: z.number().int(),
    submit: z.record(z.string(), z.unknown()),
  }),
});

/** The Submit step's result, written to `$.job`. */
export type SubmitResult =
  | {
      readonly ok: true;
      readonly jobId: string;
      readonly jobArn?: string;
      readonly jobName: string;
      readonly jobQueue: string;
      /** When the job was submitted (its createdAt when an earlier attempt submitted it). */
      readonly submittedAtMs: number;
      /** True when an earlier attempt of this execution had already submitted the job. */
      readonly existing: boolean;
    }
  | { readonly ok: false; readonly error: 'Batch.ClientError' | 'InvalidJobRequest'; readonly cause: string };

/** Builds the SubmitJob request: every pass-through field, the queue and the execution tag. */
export function buildSubmitJobInput(
  submit: SubmitFields,
  jobQueue: string,
  executionArn: string,
): SubmitJobCommandInput {
  return {
    ...(submit as unknown as SubmitJobCommandInput),
    jobQueue,
    tags: { ...(submit.tags ?? {}), [EXECUTION_TAG_KEY]: executionArn },
  };
}

/** Submits the execution's job unless an earlier attempt already did. */
export async function submitOnce(
  clients: { lookup: BatchClient; submit: BatchClient },
  input: { submit: SubmitFields; executionArn: string; executionStartMs: number; defaultJobQueue: string },
  nowMs: () => number,
): Promise<SubmitResult> {
  const jobQueue = input.submit.jobQueue ?? input.defaultJobQueue;
  const jobName = input.submit.jobName;
  try {
    const existing = await findExecutionJob(clients.lookup, {
      jobQueue,
      jobName,
      executionArn: input.executionArn,
      executionStartMs: input.executionStartMs,
    });
    if (existing?.jobId !== undefined) {
      return {
        ok: true,
        jobId: existing.jobId,
        jobArn: existing.jobArn,
        jobName,
        jobQueue,
        submittedAtMs: existing.createdAt ?? nowMs(),
        existing: true,
      };
    }
    const submittedAtMs = nowMs();
    const out = await submitJob(
      clients.submit,
      buildSubmitJobInput(input.submit, jobQueue, input.executionArn),
    );
    if (out.jobId === undefined) throw new Error('SubmitJob returned no jobId');
    return {
      ok: true,
      jobId: out.jobId,
      jobArn: out.jobArn,
      jobName: out.jobName ?? jobName,
      jobQueue,
      submittedAtMs,
      existing: false,
    };
  } catch (error) {
    if (isClientException(error)) {
      const cause: FailureCause = {
        jobName,
        reason: `Batch rejected the request: ${sanitiseMessage((error as Error).message ?? '')}`,
        classification: 'ClientError',
        retryable: false,
      };
      return { ok: false, error: 'Batch.ClientError', cause: JSON.stringify(cause) };
    }
    return rethrowBatchError(error);
  }
}

/** The Submit step's result on success (a rejection is thrown, see {@link handler}). */
export type SubmittedJob = Extract<SubmitResult, { ok: true }>;

/**
 * Lambda entry point. A rejection (Batch.ClientError, InvalidJobRequest) is
 * thrown as a {@link ContractFailureError} whose message is the contract
 * Cause: the state's Catch routes it to Classify, which keeps that Cause.
 */
export async function handler(event: unknown): Promise<SubmittedJob> {
  const input = parseHandlerInput('submit', submitEventSchema, event);
  // The submit fields were validated by Validate; validating them again costs nothing and
  // guarantees that nothing malformed reaches SubmitJob whoever invokes this function.
  const parsed = parseJobRequest(input.run.submit);
  if (!parsed.ok) throw new ContractFailureError('InvalidJobRequest', JSON.stringify(parsed.cause));
  if (parsed.request.mode !== 'submit')
    throw new InvalidHandlerInputError('submit', ['run.submit: expected submit fields']);
  const result = await submitOnce(
    { lookup: lookupClient, submit: submitClient },
    {
      submit: parsed.request.submit,
      executionArn: input.run.executionArn,
      executionStartMs: input.run.executionStartMs,
      defaultJobQueue,
    },
    () => clock.now(),
  );
  if (!result.ok) {
    logger.info('job rejected by Batch', { executionArn: input.run.executionArn, cause: result.cause });
    throw new ContractFailureError(result.error, result.cause);
  }
  logger.info(result.existing ? 'job already submitted by this execution' : 'job submitted', {
    executionArn: input.run.executionArn,
    jobId: result.jobId,
    jobQueue: result.jobQueue,
  });
  return result;
}
