/**
 * Runs the job runner's real ASL with aws-local-stepfunctions against the real
 * handler code, with Batch played by a {@link BatchSimulator}.
 *
 * Requirements for the caller: BatchClient must be mocked
 * (`sim.install(mockClient(BatchClient))`); in events mode also
 * DynamoDBDocumentClient and SFNClient (`wake.install(...)`). The handlers'
 * environment defaults come from `job-runner-env.ts` (imported first).
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
 *
 * Events mode (`WaitForCompletion`, a `.waitForTaskToken` task): aws-local-
 * stepfunctions has no task tokens, no SendTaskSuccess and evaluates
 * `TimeoutSecondsPath` against the effective input (AWS: the state input), so
 * the harness plays Step Functions for that one state, driving the REAL Await
 * and Wake handlers: it issues a fresh token per entry (in place of
 * `$$.Task.Token`), invokes Await, then delivers the job's terminal event to
 * Wake when it is due before the timeout (simulated time jumps to it); the
 * wait ends with the output of whichever SendTaskSuccess was accepted, or
 * with `States.Timeout` (the token then expires) after the timeout read from
 * `$.check.poll.delaySeconds`. Events due before the state is entered are
 * delivered first (an event that beat the registration). The state's Catch,
 * Retry and ResultPath are the engine's, from the real definition.
 */
import './job-runner-env';
import { StateMachine } from 'aws-local-stepfunctions';
import { handler as awaitHandler } from '../../lambda/job-runner/await/index';
import { handler as classifyHandler } from '../../lambda/job-runner/classify/index';
import { handler as describeHandler } from '../../lambda/job-runner/describe/index';
import { setClock } from '../../lambda/job-runner/shared/clock';
import { handler as submitHandler } from '../../lambda/job-runner/submit/index';
import { handler as terminateHandler } from '../../lambda/job-runner/terminate/index';
import { handler as validateHandler } from '../../lambda/job-runner/validate/index';
import { handler as wakeHandler } from '../../lambda/job-runner/wake/index';
import { JOB_RUNNER_STATES } from '../../lib/job-runner';
import type { BatchSimulator } from './batch-simulator';
import type { EventWakeSimulator } from './event-wake-simulator';

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
  /** Events mode: the wait table, task tokens and job events (required when the definition waits for events). */
  readonly wake?: EventWakeSimulator;
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
  /** Task attempts that failed and were retried (Step Functions bills each as a transition). */
  readonly retries: number;
  /** Wake invocations (events mode): Lambda invocations outside the state machine. */
  readonly wakeInvocations: number;
  /** Estimated events in the execution's history (see {@link estimateHistoryEvents}). */
  readonly historyEvents: number;
}

/**
 * Execution history events as AWS Step Functions records them, estimated from
 * the states entered: ExecutionStarted + the final event; a Task 5
 * (StateEntered, Scheduled, Started, Succeeded, StateExited), a callback task
 * one more (TaskSubmitted), 5 when it timed out (no StateExited); Wait, Choice,
 * Pass and Succeed 2 (entered, exited); Fail 1; each retried attempt 3
 * (Scheduled, Started, Failed). The limit is 25,000 per execution.
 */
export function estimateHistoryEvents(
  events: readonly EventLog[],
  definition: { States: Record<string, { Type: string; Resource?: string }> },
): number {
  let total = 2;
  for (const event of events) {
    const e = event as { type: string; state?: { name: string } };
    if (e.type === 'StateRetried') total += 3;
    if (e.type === 'StateCaught') total -= 1; // a caught failure has no StateExited
    if (e.type !== 'StateEntered' || e.state === undefined) continue;
    const state = definition.States[e.state.name];
    if (state === undefined) continue;
    if (state.Type === 'Task') total += state.Resource?.endsWith('.waitForTaskToken') ? 6 : 5;
    else if (state.Type === 'Fail') total += 1;
    else total += 2;
  }
  return total;
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

  const taskResourceLocalHandlers: Record<string, Handler> = Object.fromEntries(
    Object.entries(TASK_HANDLERS).map(([state, handler]) => [state, wrap(state, handler)]),
  );
  const retryIntervalOverrides = Object.fromEntries(
    [...Object.keys(TASK_HANDLERS), JOB_RUNNER_STATES.waitForCompletion].map((state) => [state, 0]),
  );

  const definition = structuredClone(options.definition) as {
    States: Record<string, Record<string, unknown> & { Type: string }>;
  };
  const waitState = definition.States[JOB_RUNNER_STATES.waitForCompletion];
  let wakeInvocations = 0;
  if (waitState !== undefined) {
    const { wake } = options;
    if (wake === undefined) throw new Error('an events-mode definition needs the `wake` option');
    // The harness reads the timeout from the payload's poll (the same value as in AWS):
    if (waitState.TimeoutSecondsPath !== '$.check.poll.delaySeconds') {
      throw new Error(`unexpected TimeoutSecondsPath ${String(waitState.TimeoutSecondsPath)}`);
    }
    const payload = (waitState.Parameters as { Payload: Record<string, string> }).Payload;
    if (payload['poll.$'] !== '$.check.poll' || payload['taskToken.$'] !== '$$.Task.Token') {
      throw new Error('unexpected WaitForCompletion payload');
    }
    // A real-time timer the override always beats (the wait is simulated below).
    delete waitState.TimeoutSecondsPath;
    waitState.TimeoutSeconds = 600;
    const invokeAwait = wrap(JOB_RUNNER_STATES.waitForCompletion, awaitHandler);
    const deliver = async (untilMs: number): Promise<boolean> => {
      const event = wake.takeEvent(untilMs);
      if (event === 'none') return false;
      if (event !== undefined) {
        wakeInvocations++;
        await wakeHandler(event);
      }
      return true;
    };
    taskResourceLocalHandlers[JOB_RUNNER_STATES.waitForCompletion] = async (input: unknown) => {
      const { Payload } = input as { Payload: { poll: { delaySeconds: number } } & Record<string, unknown> };
      const timeoutSeconds = Payload.poll.delaySeconds;
      if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1) {
        throw new Error(`WaitForCompletion got a bad TimeoutSecondsPath value: ${timeoutSeconds}`);
      }
      // Events that arrived before this registration reach Wake first.
      while (await deliver(sim.nowMs)) {}
      const taskToken = wake.issueToken();
      await invokeAwait({ ...Payload, taskToken });
      const timeoutAtMs = sim.nowMs + timeoutSeconds * 1000;
      while (!wake.completed.has(taskToken)) {
        if (!(await deliver(timeoutAtMs))) {
          sim.nowMs = timeoutAtMs;
          wake.expire(taskToken);
          const timeout = new Error('States.Timeout');
          timeout.name = 'States.Timeout';
          throw timeout;
        }
      }
      return wake.completed.get(taskToken) as never;
    };
  }

  const machine = new StateMachine(definition as never, { validationOptions: { checkArn: true } });
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
      // Replaced by a fresh token per entry (see the WaitForCompletion override).
      Task: { Token: 'placeholder-token' },
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
    retries: events.filter((e) => e.type === 'StateRetried').length,
    wakeInvocations,
    historyEvents: estimateHistoryEvents(events, definition as never),
  };
}
