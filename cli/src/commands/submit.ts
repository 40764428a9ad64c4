/** `batchctl submit`: validate the request, SubmitJob once, optionally wait. */
import { submitClient, submitJob } from '../batch';
import { InvalidRequestError, UsageError } from '../errors';
import { EXIT } from '../exit-codes';
import { compact, formatFields } from '../output';
import type { Command } from '../parse';
import { loadRequestInput, validateRequest } from '../request';
import type { CommandContext } from './context';
import { watchJob } from './wait';

/** Runs `submit`. Nothing is sent unless the whole request is valid. */
export async function submit(
  cmd: Extract<Command, { kind: 'submit' }>,
  ctx: CommandContext,
): Promise<number> {
  const startedAt = ctx.clock.now();
  const request = validateRequest(await loadRequestInput(cmd.request));
  if (request.mode === 'attach')
    throw new UsageError(
      `The request has jobId (attach mode): submit creates a job. To wait for ${request.jobId}: batchctl wait ${request.jobId}`,
    );
  const { jobQueue } = request.submit;
  if (jobQueue === undefined)
    throw new InvalidRequestError('Invalid job request: 1 invalid field(s): jobQueue', [
      {
        path: 'jobQueue',
        message: 'required by batchctl submit (--job-queue); only `run` falls back to the default queue',
        received: null,
      },
    ]);

  const out = await submitJob(
    submitClient(ctx.clients),
    { ...request.submit, jobQueue },
    {
      maxAttempts: ctx.maxAttempts,
      clock: ctx.clock,
      onRetry: (attempt, error, delayMs) =>
        ctx.printer.note(
          `SubmitJob attempt ${attempt} was not accepted (${(error as Error).name}); retrying in ${delayMs} ms`,
        ),
    },
  );
  const submitted = compact({ jobArn: out.jobArn, jobId: out.jobId, jobName: out.jobName });
  if (!cmd.wait) {
    ctx.printer.result(submitted);
    return EXIT.SUCCESS;
  }
  ctx.printer.lines(formatFields(submitted));
  return watchJob(ctx, {
    jobId: out.jobId!,
    timing: request,
    startedAt,
    submittedHere: true,
    submittedAt: ctx.clock.now(),
    full: cmd.full,
    terminateOnInterrupt: cmd.terminateOnInterrupt,
  });
}
