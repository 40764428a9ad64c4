/**
 * `batchctl run` (start a job-runner execution) and `batchctl execution ARN`
 * (inspect one). The state machine comes from `--state-machine` (name or ARN)
 * or from the output `JobRunnerStateMachineArn` of stack `BatchOrchestrator-<env>`.
 */
import { randomBytes } from 'node:crypto';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  DescribeExecutionCommand,
  type DescribeExecutionOutput,
  ListStateMachinesCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { nextPollDelaySeconds } from '../../../lambda/shared/backoff';
import { StateMachineNotFoundError } from '../errors';
import { EXIT, outcomeExitCode } from '../exit-codes';
import { listenForInterrupt } from '../interrupt';
import { compact, formatElapsed, formatFields } from '../output';
import type { Command } from '../parse';
import { loadRequestInput, validateRequest } from '../request';
import type { CommandContext } from './context';

/** Stack output that holds the job runner's ARN. */
export const STATE_MACHINE_OUTPUT_KEY = 'JobRunnerStateMachineArn';
/** `BatchOrchestrator-<env>`. */
export const stackNameFor = (environment: string): string => `BatchOrchestrator-${environment}`;
/** Polling of an execution: 5 s growing to 60 s while unchanged. */
const EXECUTION_POLL = { first: 5, max: 60 } as const;
const FINISHED = new Set(['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED']);

/** The job runner's ARN from the stack outputs. */
export async function stateMachineFromStack(
  client: CloudFormationClient,
  stackName: string,
): Promise<string> {
  const out = await client.send(new DescribeStacksCommand({ StackName: stackName }));
  const arn = out.Stacks?.[0]?.Outputs?.find((o) => o.OutputKey === STATE_MACHINE_OUTPUT_KEY)?.OutputValue;
  if (arn === undefined || arn === '')
    throw new StateMachineNotFoundError(
      `Stack ${stackName} has no output ${STATE_MACHINE_OUTPUT_KEY}; pass --state-machine NAME|ARN`,
    );
  return arn;
}

/** A state machine's ARN from its name (every page of ListStateMachines). */
export async function stateMachineByName(client: SFNClient, name: string): Promise<string> {
  let nextToken: string | undefined;
  do {
    const page = await client.send(new ListStateMachinesCommand({ nextToken }));
    const match = page.stateMachines?.find((m) => m.name === name);
    if (match?.stateMachineArn !== undefined) return match.stateMachineArn;
    nextToken = page.nextToken;
  } while (nextToken !== undefined && nextToken !== '');
  throw new StateMachineNotFoundError(`No state machine named ${name} in this account and region`);
}

/**
 * A unique execution name, fixed before the first StartExecution attempt so
 * an SDK retry of the same name and input starts no second execution.
 */
export function defaultExecutionName(
  input: unknown,
  now: Date,
  random = randomBytes(3).toString('hex'),
): string {
  const raw = input as { jobName?: unknown; jobId?: unknown };
  const base =
    typeof raw.jobName === 'string' ? raw.jobName : typeof raw.jobId === 'string' ? 'attach' : 'job';
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
  const safe = base.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 80 - 'batchctl--'.length - stamp.length - 7);
  return `batchctl-${safe}-${stamp}-${random}`;
}

/** What users read about an execution; `cause` and `output` are parsed when they are JSON. */
export function executionView(e: DescribeExecutionOutput): Record<string, unknown> {
  return compact({
    executionArn: e.executionArn,
    name: e.name,
    stateMachineArn: e.stateMachineArn,
    status: e.status,
    startDate: e.startDate?.toISOString(),
    stopDate: e.stopDate?.toISOString(),
    error: e.error,
    cause: parseMaybeJson(e.cause),
    output: parseMaybeJson(e.output),
  });
}

function parseMaybeJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** Exit code of an execution: 1 when it failed, timed out or was aborted. */
export function executionExitCode(status: string | undefined): number {
  return status === 'FAILED' || status === 'TIMED_OUT' || status === 'ABORTED' ? EXIT.FAILURE : EXIT.SUCCESS;
}

/** Runs `run`: validates the request locally (nothing is started when invalid), then StartExecution. */
export async function run(cmd: Extract<Command, { kind: 'run' }>, ctx: CommandContext): Promise<number> {
  const input = await loadRequestInput(cmd.request);
  validateRequest(input);
  const { clients, printer, clock } = ctx;
  const stateMachineArn =
    cmd.stateMachine === undefined
      ? await stateMachineFromStack(clients.client(CloudFormationClient), stackNameFor(cmd.environment))
      : cmd.stateMachine.startsWith('arn:')
        ? cmd.stateMachine
        : await stateMachineByName(clients.client(SFNClient), cmd.stateMachine);
  const name = cmd.executionName ?? defaultExecutionName(input, new Date(clock.now()));
  const started = await clients
    .client(SFNClient)
    .send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }));
  const view = compact({
    executionArn: started.executionArn,
    name,
    stateMachineArn,
    startDate: started.startDate?.toISOString(),
  });
  if (!cmd.wait) {
    printer.result(view);
    return EXIT.SUCCESS;
  }
  printer.lines(formatFields(view));
  return watchExecution(ctx, started.executionArn!, cmd.stopOnInterrupt);
}

/** Runs `execution ARN`. */
export async function execution(
  cmd: Extract<Command, { kind: 'execution' }>,
  ctx: CommandContext,
): Promise<number> {
  if (cmd.wait) return watchExecution(ctx, cmd.executionArn, false);
  const e = await ctx.clients
    .client(SFNClient)
    .send(new DescribeExecutionCommand({ executionArn: cmd.executionArn }));
  printExecution(ctx, e);
  return executionExitCode(e.status);
}

function printExecution(ctx: CommandContext, e: DescribeExecutionOutput): void {
  const view = executionView(e);
  const text = formatFields(view);
  ctx.printer.result(view, text);
}

async function watchExecution(ctx: CommandContext, executionArn: string, stopOnInterrupt: boolean) {
  const { clients, printer, clock } = ctx;
  const startedAt = clock.now();
  const interrupt = listenForInterrupt();
  let previousStatus: string | undefined;
  let previousDelaySeconds: number | undefined;
  try {
    for (;;) {
      const e = await clients.client(SFNClient).send(new DescribeExecutionCommand({ executionArn }), {
        abortSignal: interrupt.signal,
      });
      printer.progress(
        `${(e.status ?? '?').padEnd(9)} elapsed ${formatElapsed(clock.now() - startedAt)}  execution ${e.name}`,
        e.status,
      );
      if (FINISHED.has(e.status ?? '')) {
        printer.clearLive();
        printExecution(ctx, e);
        return outcomeExitCode(e.status);
      }
      const seconds = nextPollDelaySeconds({
        previousDelaySeconds,
        statusChanged: e.status !== previousStatus,
        pollIntervalSeconds: EXECUTION_POLL.first,
        maxPollIntervalSeconds: EXECUTION_POLL.max,
        secondsUntilDeadline: Number.POSITIVE_INFINITY,
      });
      previousStatus = e.status;
      previousDelaySeconds = seconds;
      await clock.sleep(seconds * 1000, interrupt.signal);
    }
  } catch (error) {
    if (!interrupt.signal.aborted) throw error;
    if (stopOnInterrupt) {
      await clients.client(SFNClient).send(
        new StopExecutionCommand({
          executionArn,
          error: 'batchctl.Interrupted',
          cause: 'stopped with Ctrl-C (--stop-on-interrupt)',
        }),
      );
      printer.note(`Interrupted: execution ${executionArn} was stopped; the job runner terminates its job.`);
    } else {
      printer.note(
        [
          `Interrupted: stopped waiting. Execution ${executionArn} keeps running.`,
          `  watch it again: batchctl execution ${executionArn} --wait`,
          `  stop it:        aws stepfunctions stop-execution --execution-arn ${executionArn}`,
        ].join('\n'),
      );
    }
    return EXIT.INTERRUPTED;
  } finally {
    interrupt.dispose();
  }
}
