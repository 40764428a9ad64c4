/**
 * The Describe step's decision, as a pure function: from one DescribeJobs
 * answer and the polling bookkeeping to the next step and the next wait.
 */
import { nextPollDelaySeconds } from '../../shared/backoff';
import { isTerminalStatus } from '../../shared/job-status';
import {
  buildSuccessOutput,
  type JobRef,
  type JobRunnerOutput,
  type JobSnapshot,
  type PollState,
} from './state';

/** Right after SubmitJob a job may be invisible for a moment: this many empty answers are tolerated... */
export const MAX_NOT_VISIBLE_CHECKS = 3;
/** ...within this long after the submit. */
export const NOT_VISIBLE_WINDOW_MS = 60_000;
/** Wait between checks while a just-submitted job is not visible yet. */
export const NOT_VISIBLE_RETRY_SECONDS = 5;

/** Inputs of {@link decideNextCheck}. */
export interface CheckInput {
  readonly run: {
    readonly pollIntervalSeconds: number;
    readonly maxPollIntervalSeconds: number;
    readonly deadlineAtMs: number;
  };
  readonly jobRef: JobRef;
  /** Bookkeeping of the previous check. */
  readonly poll: PollState;
  /** What DescribeJobs returned, or undefined when the job was not found. */
  readonly job: JobSnapshot | undefined;
  readonly nowMs: number;
}

/** The Describe step's result, written to `$.check`. */
export interface CheckResult {
  readonly job: JobSnapshot;
  readonly poll: PollState;
  /** The SPEC output, only when `poll.next` is SUCCEEDED. */
  readonly output?: JobRunnerOutput;
}

/**
 * Decides what follows a status check:
 * - terminal status -> SUCCEEDED / FAILED (a finished job wins over a passed deadline);
 * - not found -> WAIT briefly while a just-submitted job may be invisible, else NOT_FOUND;
 * - deadline passed -> DEADLINE;
 * - otherwise WAIT, with a wait that grows while the status is unchanged and never passes the deadline.
 */
export function decideNextCheck(input: CheckInput): CheckResult {
  const { run, jobRef, poll, job, nowMs } = input;
  const polls = poll.polls + 1;
  const secondsUntilDeadline = (run.deadlineAtMs - nowMs) / 1000;

  if (job === undefined) {
    const notFound = poll.notFound + 1;
    const withinGrace =
      jobRef.submittedAtMs !== undefined &&
      nowMs - jobRef.submittedAtMs < NOT_VISIBLE_WINDOW_MS &&
      notFound <= MAX_NOT_VISIBLE_CHECKS &&
      secondsUntilDeadline > 0;
    const snapshot: JobSnapshot = { jobId: jobRef.jobId, jobName: jobRef.jobName, jobArn: jobRef.jobArn };
    return {
      job: snapshot,
      poll: {
        polls,
        lastStatus: poll.lastStatus,
        notFound,
        delaySeconds: withinGrace
          ? Math.max(1, Math.min(NOT_VISIBLE_RETRY_SECONDS, Math.ceil(secondsUntilDeadline)))
          : 0,
        next: withinGrace ? 'WAIT' : 'NOT_FOUND',
      },
    };
  }

  const base = { polls, lastStatus: job.status, notFound: 0 };
  if (job.status === 'SUCCEEDED') {
    return {
      job,
      poll: { ...base, delaySeconds: 0, next: 'SUCCEEDED' },
      output: buildSuccessOutput(job, polls),
    };
  }
  if (isTerminalStatus(job.status)) return { job, poll: { ...base, delaySeconds: 0, next: 'FAILED' } };
  if (secondsUntilDeadline <= 0) return { job, poll: { ...base, delaySeconds: 0, next: 'DEADLINE' } };

  const delaySeconds = nextPollDelaySeconds({
    previousDelaySeconds: poll.polls === 0 ? undefined : poll.delaySeconds,
    statusChanged: job.status !== poll.lastStatus,
    pollIntervalSeconds: run.pollIntervalSeconds,
    maxPollIntervalSeconds: run.maxPollIntervalSeconds,
    secondsUntilDeadline,
  });
  return { job, poll: { ...base, delaySeconds, next: 'WAIT' } };
}
