/**
 * Runs the job runner's real ASL with aws-local-stepfunctions against the real
 * handler code, with Batch played by a {@link BatchSimulator}.
 *
 * Requirements for the caller: `DEFAULT_JOB_QUEUE` must be set before this
 * module is imported (the handlers read it at load), e.g.
 * `vi.hoisted(() => { process.env.DEFAULT_JOB_QUEUE = 'default'; })`, and
 * BatchClient must be mocked (`sim.install(mockClient(BatchClient))`).
 *
 * Fidelity to real Step Functions:
 * - every Task is overridden by a wrapper that invokes the real handler and,
 *   when it throws, rethrows an error whose name is the error's name and whose
 *   message (what a Catch records as Cause) is the Lambda wrapper JSON
 *   `{"errorType","errorMessage","trace"}`, as AWS does;
 * - aws-local-stepfunctions always sets `$$.Execution.StartTime` to the real
 *   time; the Validate wrapper substitutes the simulated start time;
 * - Wait and Retry pauses are overridden to 0 ms; simulated time advances
 *   instead: before each Describe that follows a Wait, the simulator's clock
 *   moves by the wait the state machine chose (`poll.delaySeconds`), and the
 *   handlers read that clock.
 */
import { StateMachine } from 'aws-local-stepfunctions';
import { handler as classifyHandler } from '../../lambda/job-runner/classify/index';
import { handler as describeHandler } from '../../lambda/job-runner/describe/index';
import { setClock } from '../../lambda/job-runner/shared/clock';
import { handler as submitHandler } from '../../lambda/job-runner/submit/index';
import { handler as terminateHandler } from '../../lambda/job-runner/terminate/index';
import { handler as validateHandler } from '../../lambda/job-runner/validate/index';
import { JOB_RUNNER_STATES } from '../../lib/job-runner';
import type { BatchSimulator } from './batch-simulator';

type Handler = (event: unknown) => Promise<unknown>;

/** One event of an execution's log. */
export type EventLog =
  ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer T> ? T : never;

/** The handler each Task state invokes. */
export const TASK_HANDLERS: Readonly<Record<string, Handler>> = {
  [JOB_RUNNER_STATES.validate]: validateHandler,
  [JOB_RUNNER_STATES.submit]: submitHandler,
  [JOB_RUNNER_STATES.describe]: describeHandler,
  [JOB_RUNNER_STATES.terminate]: terminateHandler,
  [JOB_RUNNER_STATES.classifyFailure]: classifyHandler,
  [JOB_RUNNER_STATES.classifyDeadline]: classifyHandler,
  [JOB_RUNNER_STATES.classifyNotFound]: classifyHandler,
  [JOB_RUNNER_STATES.classifyError]: classifyHandler,
};

/**
 * A fault injected around a Task: called after each invocation of the real
 * handler (`result` is undefined when the handler threw); return an error to
 * make that invocation fail as seen by Step Functions.
 */
export type TaskFault = (call: { state: string; attempt: number; result: unknown }) => Error | undefined;

/** Options of {@link runJobRunner}. */
export interface RunOptions {
  readonly sim: BatchSimulator;
  /** The ASL to run (from `synthesizeJobRunnerAsl()`). */
  readonly definition: Record<string, unknown>;
  /** @default 'test-execution' */
  readonly executionName?: string;
  /** @default 'JobRunnerTest' */
  readonly stateMachineName?: string;
  readonly fault?: TaskFault;
}

/** The outcome of one execution. */
export interface RunResult {
  readonly status: 'SUCCEEDED' | 'FAILED';
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
  readonly executionArn: string;
  /** Every event of the execution. */
  readonly events: EventLog[];
  /** State transitions (states entered), the unit Step Functions bills. */
  readonly transitions: number;
  /** Invocations per Task state (retries included). */
  readonly invocations: Record<string, number>;
  /** Simulated time the execution took, ms. */
  readonly elapsedMs: number;
  /** The largest state (JSON bytes) seen entering any state. */
  readonly maxStateBytes: number;
}

/** An error as Step Functions reports one thrown by a Lambda function. */
export class LambdaFunctionError extends Error {
  constructor(name: string, message: string, stack?: string) {
    super(
      JSON.stringify({
        errorType: name,
        errorMessage: message,
        trace: (stack ?? `${name}: ${message}`).split('\n'),
      }),
    );
    this.name = name;
  }
}

/** A Lambda service error (the function may or may not have run), as Step Functions names it. */
export function lambdaServiceError(): Error {
  const error = new Error('Lambda.ServiceException: Rate exceeded');
  error.name = 'Lambda.ServiceException';
  return error;
}

/** Runs one execution to its end. */
export async function runJobRunner(input: unknown, options: RunOptions): Promise<RunResult> {
  const { sim } = options;
  const stateMachineName = options.stateMachineName ?? 'JobRunnerTest';
  const executionName = options.executionName ?? 'test-execution';
  const executionArn = `arn:aws:states:eu-west-1:123456789012:execution:${stateMachineName}:${executionName}`;
  const startMs = sim.nowMs;
  const invocations: Record<string, number> = {};
  let pendingWait = false;

  const wrap =
    (state: string, handler: Handler) =>
    async (event: unknown): Promise<unknown> => {
      if (state === JOB_RUNNER_STATES.describe && pendingWait) {
        // The Wait state just ran: simulated time passes by the wait the state machine chose.
        const delay = (event as { poll: { delaySeconds: number } }).poll.delaySeconds;
        if (!Number.isInteger(delay) || delay < 0)
          throw new Error(`Wait got a bad SecondsPath value: ${delay}`);
        sim.advance(delay * 1000);
        pendingWait = false;
      }
      if (state === JOB_RUNNER_STATES.validate) {
        // aws-local-stepfunctions always sets $$.Execution.StartTime to the real time: use the simulated start.
        (event as { execution: { startTime: string } }).execution.startTime = new Date(startMs).toISOString();
      }
      const attempt = (invocations[state] ?? 0) + 1;
      invocations[state] = attempt;
      let result: unknown;
      let thrown: unknown;
      try {
        result = await handler(JSON.parse(JSON.stringify(event)));
      } catch (error) {
        thrown = error;
      }
      const injected = options.fault?.({ state, attempt, result: thrown === undefined ? result : undefined });
      if (injected !== undefined) throw injected;
      if (thrown !== undefined) {
        const e = thrown as Error;
        throw new LambdaFunctionError(e.name || 'Error', e.message ?? String(e), e.stack);
      }
      if (state === JOB_RUNNER_STATES.submit && (result as { ok?: boolean }).ok === true) pendingWait = true;
      if (
        state === JOB_RUNNER_STATES.describe &&
        (result as { poll: { next: string } }).poll.next === 'WAIT'
      ) {
        pendingWait = true;
      }
      // Step Functions passes results through JSON.
      return JSON.parse(JSON.stringify(result ?? null));
    };

  const taskResourceLocalHandlers = Object.fromEntries(
    Object.entries(TASK_HANDLERS).map(([state, handler]) => [state, wrap(state, handler)]),
  );
  const retryIntervalOverrides = Object.fromEntries(Object.keys(TASK_HANDLERS).map((state) => [state, 0]));

  const machine = new StateMachine(options.definition as never, { validationOptions: { checkArn: true } });
  const restoreClock = setClock(() => sim.nowMs);
  const execution = machine.run(input as never, {
    overrides: {
      taskResourceLocalHandlers: taskResourceLocalHandlers as never,
      waitTimeOverrides: { [JOB_RUNNER_STATES.wait]: 0 },
      retryIntervalOverrides,
    },
    context: {
      Execution: {
        Id: executionArn,
        Name: executionName,
        Input: input as never,
        StartTime: new Date(startMs).toISOString(),
        RoleArn: 'arn:aws:iam::123456789012:role/JobRunnerTest',
      },
      StateMachine: {
        Id: `arn:aws:states:eu-west-1:123456789012:stateMachine:${stateMachineName}`,
        Name: stateMachineName,
      },
    },
  });
  const events: EventLog[] = [];
  const collecting = (async () => {
    for await (const event of execution.eventLogs) events.push(event);
  })();
  let outcome: Pick<RunResult, 'status' | 'output' | 'error' | 'cause'>;
  try {
    const output = await execution.result;
    outcome = { status: 'SUCCEEDED', output };
  } catch (error) {
    const failure = (error as { cause?: { name?: string; message?: string } }).cause;
    if (failure === undefined) throw error;
    outcome = { status: 'FAILED', error: failure.name, cause: failure.message };
  } finally {
    restoreClock();
  }
  await collecting;
  const entered = events.filter((e) => e.type === 'StateEntered');
  const maxStateBytes = Math.max(
    0,
    ...entered.map((e) =>
      Buffer.byteLength(JSON.stringify((e as { state: { input: unknown } }).state.input)),
    ),
  );
  return {
    ...outcome,
    executionArn,
    events,
    transitions: entered.length,
    invocations,
    elapsedMs: sim.nowMs - startMs,
    maxStateBytes,
  };
}
