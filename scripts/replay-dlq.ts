/**
 * Replays the notifications dead-letter queue once Slack is back: ONE command.
 *
 *   npx tsx scripts/replay-dlq.ts --stack <stack name> [--region <region>] [--rate <msgs/s>] [--no-wait]
 *   npx tsx scripts/replay-dlq.ts --dlq-arn <NotificationsDeadLetterQueueArn> --replay-queue-arn <NotificationsReplayQueueArn>
 *
 * It starts an SQS message move task from the dead-letter queue to the
 * notifier's replay queue (the same as the console's "Start DLQ redrive" with a
 * custom destination, or `aws sqs start-message-move-task --source-arn <dlq>
 * --destination-arn <replay queue>`), then waits for it to finish. The notifier
 * consumes the replay queue: it reads each dead letter back into its
 * EventBridge event(s) and delivers them through the normal path (formatting,
 * Slack retries, dedupe by event id). What still fails returns to the
 * dead-letter queue (replay queue maxReceiveCount, or the notifier's own
 * dead letter for a permanent Slack error).
 *
 * Why not re-publish to the topic or invoke the function: both would need
 * another SDK client in this project; the move task is one SQS API call,
 * server-side, and keeps message order and bodies intact.
 *
 * Exit codes: 0 moved (or started with --no-wait), 1 the task failed or was cancelled, 64 usage error.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { ListMessageMoveTasksCommand, SQSClient, StartMessageMoveTaskCommand } from '@aws-sdk/client-sqs';

/** Parsed command line. */
export interface ReplayArgs {
  readonly stack?: string | undefined;
  readonly dlqArn?: string | undefined;
  readonly replayQueueArn?: string | undefined;
  readonly region?: string | undefined;
  /** Messages per second (1..500); undefined lets SQS choose. */
  readonly rate?: number | undefined;
  readonly wait: boolean;
}

/** Bad command line (exit 64). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const USAGE = `Usage:
  npx tsx scripts/replay-dlq.ts --stack <stack name> [--region <region>] [--rate <msgs/s>] [--no-wait]
  npx tsx scripts/replay-dlq.ts --dlq-arn <arn> --replay-queue-arn <arn> [--region <region>] [--rate <msgs/s>] [--no-wait]`;

const VALUE_FLAGS = ['--stack', '--dlq-arn', '--replay-queue-arn', '--region', '--rate'];

/** Parses argv (without `node script`). Pure. */
export function parseArgs(argv: readonly string[]): ReplayArgs {
  const values: Record<string, string> = {};
  let wait = true;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--no-wait') {
      wait = false;
      continue;
    }
    const eq = arg.indexOf('=');
    const flag = eq >= 0 ? arg.slice(0, eq) : arg;
    if (!VALUE_FLAGS.includes(flag)) throw new UsageError(`Unknown argument ${JSON.stringify(arg)}`);
    const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined || value === '' || value.startsWith('--'))
      throw new UsageError(`${flag} needs a value`);
    values[flag.slice(2)] = value;
  }
  const rate = values.rate === undefined ? undefined : Number(values.rate);
  if (rate !== undefined && !(Number.isInteger(rate) && rate >= 1 && rate <= 500)) {
    throw new UsageError(`--rate must be an integer 1..500, received ${JSON.stringify(values.rate)}`);
  }
  const direct = values['dlq-arn'] !== undefined || values['replay-queue-arn'] !== undefined;
  if (values.stack !== undefined && direct)
    throw new UsageError('Give either --stack or the two ARNs, not both');
  if (
    values.stack === undefined &&
    (values['dlq-arn'] === undefined || values['replay-queue-arn'] === undefined)
  ) {
    throw new UsageError('Give --stack, or both --dlq-arn and --replay-queue-arn');
  }
  return {
    stack: values.stack,
    dlqArn: values['dlq-arn'],
    replayQueueArn: values['replay-queue-arn'],
    region: values.region,
    rate,
    wait,
  };
}

/** The two queue ARNs, read from the stack outputs of the `Notifications` construct. */
export async function resolveQueues(
  cloudformation: CloudFormationClient,
  stackName: string,
): Promise<{ dlqArn: string; replayQueueArn: string }> {
  const { Stacks } = await cloudformation.send(new DescribeStacksCommand({ StackName: stackName }));
  const outputs = Stacks?.[0]?.Outputs ?? [];
  const get = (key: string) => outputs.find((o) => o.OutputKey === key)?.OutputValue;
  const dlqArn = get('NotificationsDeadLetterQueueArn');
  const replayQueueArn = get('NotificationsReplayQueueArn');
  if (dlqArn === undefined || replayQueueArn === undefined) {
    throw new UsageError(
      `Stack ${stackName} has no NotificationsDeadLetterQueueArn / NotificationsReplayQueueArn outputs`,
    );
  }
  return { dlqArn, replayQueueArn };
}

/** Result of a move task. */
export interface MoveResult {
  readonly status: string;
  readonly moved: number;
  readonly toMove?: number | undefined;
  readonly failureReason?: string | undefined;
  /** Handle of a task started with `wait: false` (for CancelMessageMoveTask). */
  readonly taskHandle?: string | undefined;
}

/** Starts the move task and (unless `wait` is false) polls until it ends. */
export async function replayDeadLetters(
  sqs: SQSClient,
  queues: { dlqArn: string; replayQueueArn: string },
  options: {
    rate?: number | undefined;
    wait: boolean;
    pollMs?: number;
    sleep?: (ms: number) => Promise<void>;
  },
): Promise<MoveResult> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const started = await sqs.send(
    new StartMessageMoveTaskCommand({
      SourceArn: queues.dlqArn,
      DestinationArn: queues.replayQueueArn,
      MaxNumberOfMessagesPerSecond: options.rate,
    }),
  );
  if (!options.wait) return { status: 'STARTED', moved: 0, taskHandle: started.TaskHandle };
  for (;;) {
    const { Results = [] } = await sqs.send(
      new ListMessageMoveTasksCommand({ SourceArn: queues.dlqArn, MaxResults: 1 }),
    );
    const task = Results[0];
    const status = task?.Status ?? 'UNKNOWN';
    if (status !== 'RUNNING' && status !== 'CANCELLING') {
      return {
        status,
        moved: task?.ApproximateNumberOfMessagesMoved ?? 0,
        toMove: task?.ApproximateNumberOfMessagesToMove,
        failureReason: task?.FailureReason,
      };
    }
    await sleep(options.pollMs ?? 2000);
  }
}

/** Clients the command uses (injectable for tests). */
export interface ReplayClients {
  readonly sqs: SQSClient;
  readonly cloudformation: CloudFormationClient;
}

/** CLI entry point; returns the exit code. */
export async function main(
  argv: readonly string[],
  makeClients: (region?: string) => ReplayClients = defaultClients,
  out: { log: (line: string) => void; error: (line: string) => void } = console,
): Promise<number> {
  let args: ReplayArgs;
  try {
    args = parseArgs(argv);
  } catch (error) {
    out.error(`${(error as Error).message}\n${USAGE}`);
    return 64;
  }
  const clients = makeClients(args.region);
  try {
    const queues =
      args.stack !== undefined
        ? await resolveQueues(clients.cloudformation, args.stack)
        : { dlqArn: args.dlqArn ?? '', replayQueueArn: args.replayQueueArn ?? '' };
    out.log(`moving dead letters from ${queues.dlqArn} to ${queues.replayQueueArn}`);
    const result = await replayDeadLetters(clients.sqs, queues, { rate: args.rate, wait: args.wait });
    if (result.status === 'STARTED') {
      out.log(
        `move task started (${result.taskHandle ?? 'no handle'}); the notifier delivers the messages as they arrive`,
      );
      return 0;
    }
    out.log(`move task ${result.status}: ${result.moved} message(s) moved`);
    if (result.status !== 'COMPLETED') {
      out.error(`move task did not complete: ${result.failureReason ?? result.status}`);
      return 1;
    }
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      out.error(error.message);
      return 64;
    }
    out.error(`replay failed: ${(error as Error).name}: ${(error as Error).message}`);
    return 1;
  }
}

function defaultClients(region?: string): ReplayClients {
  const config = region !== undefined ? { region } : {};
  return { sqs: new SQSClient(config), cloudformation: new CloudFormationClient(config) };
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
