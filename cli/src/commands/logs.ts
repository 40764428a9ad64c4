/**
 * `batchctl logs JOB_ID [--follow]`: CloudWatch Logs of the job's latest
 * attempt, in the log group its job definition writes to.
 */
import type { JobDetail } from '@aws-sdk/client-batch';
import {
  CloudWatchLogsClient,
  GetLogEventsCommand,
  type OutputLogEvent,
} from '@aws-sdk/client-cloudwatch-logs';
import { isArrayParent, isTerminalStatus, logStreamOf } from '../../../lambda/shared/job-status';
import { batchClient, getJob } from '../batch';
import { UsageError } from '../errors';
import { EXIT } from '../exit-codes';
import type { Command } from '../parse';
import type { CommandContext } from './context';

/** Batch's log group when the job definition sets none. */
export const DEFAULT_LOG_GROUP = '/aws/batch/job';
/** Wait between reads with `--follow`. */
export const FOLLOW_INTERVAL_MS = 2_000;

/** The awslogs group of the job's container, else Batch's default. */
export function logGroupOf(job: JobDetail): string {
  return job.container?.logConfiguration?.options?.['awslogs-group'] ?? DEFAULT_LOG_GROUP;
}

/** Reads a stream forward from `nextToken` to its current end. */
export async function readLogEvents(
  client: CloudWatchLogsClient,
  logGroupName: string,
  logStreamName: string,
  nextToken: string | undefined,
): Promise<{ events: OutputLogEvent[]; nextToken: string | undefined }> {
  const events: OutputLogEvent[] = [];
  let token = nextToken;
  for (;;) {
    const page = await client.send(
      new GetLogEventsCommand({ logGroupName, logStreamName, startFromHead: true, nextToken: token }),
    );
    events.push(...(page.events ?? []));
    // The end of the stream: the same forward token comes back.
    if (page.nextForwardToken === undefined || page.nextForwardToken === token)
      return { events, nextToken: token };
    token = page.nextForwardToken;
  }
}

/** Runs `logs`. */
export async function logs(cmd: Extract<Command, { kind: 'logs' }>, ctx: CommandContext): Promise<number> {
  const { clients, printer, clock } = ctx;
  let job = await getJob(batchClient(clients), cmd.jobId);
  if (isArrayParent(job))
    throw new UsageError(
      `${cmd.jobId} is an array parent: each child has its own logs, e.g. batchctl logs ${cmd.jobId}:0`,
    );
  const print = (events: readonly OutputLogEvent[]) => {
    for (const e of events) {
      if (printer.json) printer.jsonLine({ timestamp: e.timestamp, message: e.message });
      else printer.lines([e.message ?? '']);
    }
  };

  if (!cmd.follow) {
    const stream = logStreamOf(job);
    if (stream === undefined)
      throw new Error(`Job ${cmd.jobId} has no log stream yet (status ${job.status}); try --follow`);
    const { events } = await readLogEvents(
      clients.client(CloudWatchLogsClient),
      logGroupOf(job),
      stream,
      undefined,
    );
    print(events);
    return EXIT.SUCCESS;
  }

  let stream: string | undefined;
  let token: string | undefined;
  for (;;) {
    const current = logStreamOf(job);
    if (current !== undefined && current !== stream) {
      // A new attempt writes a new stream: start it from the head.
      if (stream !== undefined) printer.note(`--- new attempt: ${current}`);
      stream = current;
      token = undefined;
    }
    if (stream !== undefined) {
      const read = await readLogEvents(clients.client(CloudWatchLogsClient), logGroupOf(job), stream, token);
      print(read.events);
      token = read.nextToken;
    } else {
      printer.progress(`waiting for the job to start (status ${job.status})`, job.status);
    }
    if (isTerminalStatus(job.status)) {
      // One last read after the job finished: nothing is written after that.
      if (stream !== undefined)
        print(
          (await readLogEvents(clients.client(CloudWatchLogsClient), logGroupOf(job), stream, token)).events,
        );
      printer.clearLive();
      return EXIT.SUCCESS;
    }
    await clock.sleep(FOLLOW_INTERVAL_MS);
    job = await getJob(batchClient(clients), cmd.jobId);
  }
}
