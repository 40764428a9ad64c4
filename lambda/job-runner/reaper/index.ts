/**
 * Reaper: no zombies. Triggered by EventBridge when an execution of the job
 * runner is ABORTED (stopped from the console), TIMED_OUT or FAILED, it finds
 * the job that execution submitted (by its execution tag, the same lookup
 * Submit uses) and terminates it unless it has already finished. Attach-mode
 * executions are skipped: this runner did not start those jobs. Idempotent: a
 * second delivery finds the job finished or terminates it again harmlessly.
 */
import { BatchClient } from '@aws-sdk/client-batch';
import { z } from 'zod';
import { STOPPED_REASON_PREFIX } from '../../shared/classify';
import { requireEnv } from '../../shared/env';
import { parseJobRequest } from '../../shared/job-request';
import { isTerminalStatus } from '../../shared/job-status';
import {
  isClientException,
  MAX_TERMINATE_REASON_LENGTH,
  rethrowBatchError,
  terminateJob,
} from '../shared/batch-api';
import { sanitiseMessage } from '../shared/caught-error';
import { parseHandlerInput } from '../shared/errors';
import { findExecutionJob } from '../shared/find-job';
import { createLogger } from '../shared/logger';
import { aliasesFromEnv, type NameAliases, NO_ALIASES, resolveNames } from '../shared/names';

const logger = createLogger('reaper');
const defaultJobQueue = requireEnv('DEFAULT_JOB_QUEUE');
const batch = new BatchClient({});
const aliases = aliasesFromEnv();

/** Execution statuses that leave a job without its watcher. */
export const REAPED_STATUSES = ['ABORTED', 'TIMED_OUT', 'FAILED'] as const;

/** The EventBridge "Step Functions Execution Status Change" event (the fields used). */
export const executionStatusChangeSchema = z.object({
  source: z.literal('aws.states'),
  'detail-type': z.literal('Step Functions Execution Status Change'),
  detail: z.object({
    executionArn: z.string().min(1),
    stateMachineArn: z.string().min(1),
    status: z.string(),
    startDate: z.number(),
    /** The execution input as a JSON string; null when too large to include. */
    input: z.string().nullish(),
  }),
});

/** What the reaper did. */
export type ReaperResult =
  | { readonly action: 'skipped'; readonly why: string }
  | { readonly action: 'terminated'; readonly jobId: string; readonly reason: string };

/** The TerminateJob reason naming the execution and what happened to it. */
export function stoppedReason(executionArn: string, status: string): string {
  return `${STOPPED_REASON_PREFIX} ${executionArn} was ${status}`.slice(0, MAX_TERMINATE_REASON_LENGTH);
}

/** Lambda entry point. */
export async function handler(event: unknown): Promise<ReaperResult> {
  const { detail } = parseHandlerInput('reaper', executionStatusChangeSchema, event);
  const result = await reap(batch, detail, defaultJobQueue, aliases);
  logger.info(result.action === 'terminated' ? 'job terminated' : 'nothing to terminate', {
    executionArn: detail.executionArn,
    status: detail.status,
    ...result,
  });
  return result;
}

/** Finds and terminates the execution's job. */
export async function reap(
  client: BatchClient,
  detail: z.infer<typeof executionStatusChangeSchema>['detail'],
  queue: string,
  nameAliases: NameAliases = NO_ALIASES,
): Promise<ReaperResult> {
  if (!(REAPED_STATUSES as readonly string[]).includes(detail.status)) {
    return { action: 'skipped', why: `execution status ${detail.status}` };
  }
  if (detail.input === undefined || detail.input === null) {
    return { action: 'skipped', why: 'the event does not include the execution input' };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(detail.input);
  } catch {
    return { action: 'skipped', why: 'the execution input is not JSON: nothing was submitted' };
  }
  const parsed = parseJobRequest(withoutTimingFields(raw));
  if (!parsed.ok) return { action: 'skipped', why: 'invalid job request: nothing was submitted' };
  if (parsed.request.mode === 'attach') {
    return { action: 'skipped', why: 'attach mode: this runner did not submit the job' };
  }
  // The same names Validate resolved, so the lookup searches the queue the job went to.
  const submit = resolveNames(parsed.request.submit, nameAliases);
  try {
    const job = await findExecutionJob(client, {
      jobQueue: submit.jobQueue ?? queue,
      jobName: submit.jobName,
      executionArn: detail.executionArn,
      executionStartMs: detail.startDate,
    });
    if (job?.jobId === undefined) return { action: 'skipped', why: 'no job was submitted by this execution' };
    if (isTerminalStatus(job.status)) return { action: 'skipped', why: `the job already ${job.status}` };
    const reason = stoppedReason(detail.executionArn, detail.status);
    await terminateJob(client, job.jobId, reason);
    return { action: 'terminated', jobId: job.jobId, reason };
  } catch (error) {
    // An unknown queue or an expired job: nothing this function could ever terminate.
    if (isClientException(error))
      return {
        action: 'skipped',
        why: `Batch rejected the lookup or terminate: ${sanitiseMessage((error as Error).message ?? '')}`,
      };
    return rethrowBatchError(error);
  }
}

/**
 * The request without its polling and deadline fields: Validate judged those against the
 * stack's environment defaults, which this function does not know, and they never change
 * what was submitted.
 */
function withoutTimingFields(raw: unknown): unknown {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw;
  const {
    pollIntervalSeconds: _p,
    maxPollIntervalSeconds: _m,
    deadlineSeconds: _d,
    ...rest
  } = raw as Record<string, unknown>;
  return rest;
}
