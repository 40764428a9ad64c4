/** `batchctl status | terminate | list`: one job or one queue. */
import { JOB_STATUSES } from '../../../lambda/shared/job-status';
import { batchClient, getJob, listJobs, terminateJob } from '../batch';
import { EXIT, statusExitCode } from '../exit-codes';
import { compact, jobView } from '../output';
import type { Command } from '../parse';
import type { CommandContext } from './context';

/** `status JOB_ID`: exit code by status (default table or kestra). */
export async function status(
  cmd: Extract<Command, { kind: 'status' }>,
  ctx: CommandContext,
): Promise<number> {
  const job = await getJob(batchClient(ctx.clients), cmd.jobId);
  const view = jobView(job);
  if (cmd.full) ctx.printer.document({ ...view, jobInfo: job });
  else ctx.printer.result(view);
  return statusExitCode(job.status, cmd.exitCodes);
}

/** `terminate JOB_ID --reason`: an unknown id is exit 1 (TerminateJob alone would not say). */
export async function terminate(
  cmd: Extract<Command, { kind: 'terminate' }>,
  ctx: CommandContext,
): Promise<number> {
  const job = await getJob(batchClient(ctx.clients), cmd.jobId);
  await terminateJob(batchClient(ctx.clients), cmd.jobId, cmd.reason);
  ctx.printer.result(
    compact({
      jobId: cmd.jobId,
      jobName: job.jobName,
      previousStatus: job.status,
      terminated: true,
      reason: cmd.reason,
    }),
  );
  return EXIT.SUCCESS;
}

/** `list --queue Q [--status S]`: every page of every requested status. */
export async function list(cmd: Extract<Command, { kind: 'list' }>, ctx: CommandContext): Promise<number> {
  const statuses = cmd.statuses.length > 0 ? cmd.statuses : JOB_STATUSES;
  const jobs = await listJobs(batchClient(ctx.clients), cmd.queue, statuses);
  const rows = jobs.map((j) =>
    compact({
      jobId: j.jobId,
      jobName: j.jobName,
      status: j.status,
      statusReason: j.statusReason,
      exitCode: j.container?.exitCode,
      createdAt: j.createdAt,
      arraySize: j.arrayProperties?.size,
    }),
  );
  ctx.printer.result({ jobQueue: cmd.queue, count: rows.length, jobs: rows }, [
    ...rows.map((r) =>
      [
        r.jobId,
        (r.status ?? '').padEnd(9),
        r.jobName,
        r.createdAt === undefined ? '' : new Date(r.createdAt).toISOString(),
      ]
        .join('  ')
        .trimEnd(),
    ),
    `${rows.length} job(s)`,
  ]);
  return EXIT.SUCCESS;
}
