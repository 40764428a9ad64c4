/**
 * `batchctl wait JOB_ID`, and the watch shared with `submit --wait`: print
 * progress and the outcome, handle Ctrl-C and the deadline, return the exit code.
 */
import type { JobDetail } from '@aws-sdk/client-batch';
import type { Timing } from '../../../lambda/shared/job-request';
import { batchClient, describeJob, terminateJob } from '../batch';
import { EXIT, outcomeExitCode } from '../exit-codes';
import { listenForInterrupt } from '../interrupt';
import { compact, type JobView, jobView, statusLine } from '../output';
import type { Command } from '../parse';
import { validateRequest } from '../request';
import { waitForJob } from '../wait-for-job';
import type { CommandContext } from './context';

/** Reason given to TerminateJob when `--terminate-on-interrupt` fires. */
export const INTERRUPT_REASON = 'batchctl: interrupted by the user (--terminate-on-interrupt)';

/** Options of {@link watchJob}. */
export interface WatchJobOptions {
  readonly jobId: string;
  readonly timing: Timing;
  readonly startedAt: number;
  readonly submittedHere: boolean;
  /** Clock time SubmitJob returned, when this run submitted the job. */
  readonly submittedAt?: number;
  readonly full: boolean;
  readonly terminateOnInterrupt: boolean;
}

/** Waits for the job and prints its outcome; 0 only when it SUCCEEDED. */
export async function watchJob(ctx: CommandContext, options: WatchJobOptions): Promise<number> {
  const { printer, clock, clients } = ctx;
  const interrupt = listenForInterrupt();
  let last: JobDetail | undefined;
  const render = (job: JobDetail) =>
    printer.progress(statusLine(job, clock.now() - options.startedAt), job.status);
  // On a terminal the live line ticks every second between polls.
  const ticker = printer.live ? setInterval(() => last !== undefined && render(last), 1000) : undefined;
  try {
    const outcome = await waitForJob(batchClient(clients), {
      ...options,
      clock,
      signal: interrupt.signal,
      onPoll: (job) => {
        last = job;
        render(job);
      },
    });
    printer.clearLive();
    const view: JobView = outcome.job === undefined ? { jobId: options.jobId } : jobView(outcome.job);
    const jobInfo = options.full && outcome.job !== undefined ? { jobInfo: outcome.job } : {};
    if (outcome.kind === 'finished') {
      printer.result({ ...view, polls: outcome.polls, ...jobInfo });
      return outcomeExitCode(outcome.job.status);
    }
    printer.result(
      compact({
        ...view,
        error: 'Batch.DeadlineExceeded',
        reason: outcome.reason,
        terminated: outcome.terminated,
        polls: outcome.polls,
        ...jobInfo,
      }),
    );
    printer.note(
      outcome.terminated
        ? `Deadline passed: job ${options.jobId} was terminated.`
        : `Deadline passed: job ${options.jobId} was left running (this command did not submit it).`,
    );
    return EXIT.FAILURE;
  } catch (error) {
    clearInterval(ticker);
    if (!interrupt.signal.aborted) throw error;
    return onInterrupt(ctx, options, last);
  } finally {
    clearInterval(ticker);
    interrupt.dispose();
  }
}

async function onInterrupt(ctx: CommandContext, options: WatchJobOptions, last: JobDetail | undefined) {
  const { printer, clients } = ctx;
  const { jobId } = options;
  const status =
    last?.status ?? (await describeJob(batchClient(clients), jobId).catch(() => undefined))?.status;
  if (options.terminateOnInterrupt) {
    await terminateJob(batchClient(clients), jobId, INTERRUPT_REASON);
    printer.note(`Interrupted: job ${jobId} was terminated (--terminate-on-interrupt).`);
  } else {
    printer.note(
      [
        `Interrupted: stopped waiting. Job ${jobId} is still ${status ?? 'in Batch'} and keeps running.`,
        `  watch it again:  batchctl wait ${jobId}`,
        `  stop it:         batchctl terminate ${jobId} --reason "stopped by hand"`,
      ].join('\n'),
    );
  }
  return EXIT.INTERRUPTED;
}

/** `wait JOB_ID`: attach to an existing job; at the deadline it is left running (exit 1). */
export async function wait(cmd: Extract<Command, { kind: 'wait' }>, ctx: CommandContext): Promise<number> {
  const startedAt = ctx.clock.now();
  // The same schema as the runner's attach mode validates the timing flags.
  const request = validateRequest({ jobId: cmd.jobId, ...cmd.timing });
  return watchJob(ctx, {
    jobId: cmd.jobId,
    timing: request,
    startedAt,
    submittedHere: false,
    full: cmd.full,
    terminateOnInterrupt: cmd.terminateOnInterrupt,
  });
}
