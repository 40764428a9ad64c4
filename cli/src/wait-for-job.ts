/**
 * Watching a job until it finishes or the deadline passes, with the job
 * runner's adaptive polling (`nextPollDelaySeconds`): the wait grows while the
 * status is unchanged and restarts when it changes. One DescribeJobs per check.
 */
import type { BatchClient, JobDetail } from '@aws-sdk/client-batch';
import { nextPollDelaySeconds } from '../../lambda/shared/backoff';
import { DEADLINE_REASON_PREFIX } from '../../lambda/shared/classify';
import type { Timing } from '../../lambda/shared/job-request';
import { isTerminalStatus } from '../../lambda/shared/job-status';
import { describeJob, terminateJob } from './batch';
import type { Clock } from './clock';
import { JobNotFoundError } from './errors';

/** Right after SubmitJob a job may not be visible yet (SPEC): this many empty answers are normal. */
export const MAX_EMPTY_DESCRIBES_AFTER_SUBMIT = 3;
/** ... within this long after submitting. */
export const NOT_VISIBLE_GRACE_MS = 60_000;
/** Wait between checks while a just-submitted job is not visible yet. */
const NOT_VISIBLE_RETRY_MS = 2_000;

/** Options of {@link waitForJob}. */
export interface WaitForJobOptions {
  readonly jobId: string;
  readonly timing: Timing;
  /** Clock time the deadline counts from (the command's start). */
  readonly startedAt: number;
  /** True when this run submitted the job: it is terminated at the deadline and may be briefly invisible. */
  readonly submittedHere: boolean;
  /** Clock time SubmitJob returned (the visibility grace counts from it); default `startedAt`. */
  readonly submittedAt?: number;
  readonly clock: Clock;
  /** Aborts the wait (Ctrl-C). */
  readonly signal?: AbortSignal;
  /** Called after every status check. */
  readonly onPoll?: (job: JobDetail, polls: number) => void;
}

/** How a wait ended. */
export type WaitOutcome =
  | { readonly kind: 'finished'; readonly job: JobDetail; readonly polls: number }
  | {
      readonly kind: 'deadline';
      readonly job: JobDetail | undefined;
      readonly polls: number;
      /** True when the job was terminated (only a job this run submitted). */
      readonly terminated: boolean;
      readonly reason: string;
    };

/** Polls DescribeJobs until SUCCEEDED/FAILED or the deadline. */
export async function waitForJob(client: BatchClient, options: WaitForJobOptions): Promise<WaitOutcome> {
  const { jobId, timing, clock, signal } = options;
  const deadlineAt = options.startedAt + timing.deadlineSeconds * 1000;
  let polls = 0;
  let empty = 0;
  let previousStatus: string | undefined;
  let previousDelaySeconds: number | undefined;
  let job: JobDetail | undefined;

  for (;;) {
    const found = await describeJob(client, jobId, signal);
    polls++;
    if (found === undefined) {
      empty++;
      const young = clock.now() - (options.submittedAt ?? options.startedAt) < NOT_VISIBLE_GRACE_MS;
      if (!options.submittedHere || !young || empty > MAX_EMPTY_DESCRIBES_AFTER_SUBMIT)
        throw new JobNotFoundError(jobId);
    } else {
      empty = 0;
      job = found;
      options.onPoll?.(job, polls);
      if (isTerminalStatus(job.status)) return { kind: 'finished', job, polls };
    }

    const msLeft = deadlineAt - clock.now();
    if (msLeft <= 0) {
      const reason = `${DEADLINE_REASON_PREFIX} (batchctl --deadline ${timing.deadlineSeconds}s)`;
      if (!options.submittedHere) return { kind: 'deadline', job, polls, terminated: false, reason };
      await terminateJob(client, jobId, reason);
      return { kind: 'deadline', job, polls, terminated: true, reason };
    }

    let delayMs: number;
    if (found === undefined) {
      delayMs = Math.min(NOT_VISIBLE_RETRY_MS, msLeft);
    } else {
      const seconds = nextPollDelaySeconds({
        previousDelaySeconds,
        statusChanged: found.status !== previousStatus,
        pollIntervalSeconds: timing.pollIntervalSeconds,
        maxPollIntervalSeconds: timing.maxPollIntervalSeconds,
        secondsUntilDeadline: msLeft / 1000,
      });
      previousStatus = found.status;
      previousDelaySeconds = seconds;
      delayMs = seconds * 1000;
    }
    await clock.sleep(delayMs, signal);
  }
}
