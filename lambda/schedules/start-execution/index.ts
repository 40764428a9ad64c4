/**
 * Schedule starter: EventBridge Scheduler invokes it once per tick (at least
 * once); it starts the job runner with an execution name derived from the
 * tick's scheduled time, so a redelivered or retried tick never starts a
 * second execution (see `tick.ts` for why the scheduled time and not the
 * Scheduler's execution id).
 *
 * `ExecutionAlreadyExists` means this tick already started: success. Any other
 * error is thrown, so Lambda retries the asynchronous invocation and, after
 * its retries, sends the tick to the schedules' dead-letter queue.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { requireEnv } from '../../shared/env';
import { executionArnFor, executionNameForTick, parseTickEvent, type TickEvent } from './tick';

const logger = new Logger({
  serviceName: 'batch-orchestrator-schedules',
  persistentKeys: { handler: 'start-execution' },
});
const stateMachineArn = requireEnv('STATE_MACHINE_ARN');
const sfn = new SFNClient({});

/** What the starter did for one tick. */
export interface TickResult {
  readonly executionArn: string;
  readonly executionName: string;
  /** True when an earlier delivery of the same tick had already started the execution. */
  readonly alreadyStarted: boolean;
}

/** Starts the execution of one tick; an execution that already exists under its name is success. */
export async function startTickExecution(
  client: Pick<SFNClient, 'send'>,
  stateMachine: string,
  tick: TickEvent,
): Promise<TickResult> {
  const name = executionNameForTick(tick.schedule, tick.scheduledTime);
  try {
    const { executionArn } = await client.send(
      new StartExecutionCommand({ stateMachineArn: stateMachine, name, input: JSON.stringify(tick.request) }),
    );
    return {
      executionArn: executionArn ?? executionArnFor(stateMachine, name),
      executionName: name,
      alreadyStarted: false,
    };
  } catch (error) {
    // Same name, and the first execution has closed or its input differs: this tick already ran.
    // (Same name and input while it still runs is answered with that execution, not an error.)
    if ((error as { name?: unknown }).name !== 'ExecutionAlreadyExists') throw error;
    return { executionArn: executionArnFor(stateMachine, name), executionName: name, alreadyStarted: true };
  }
}

/** Lambda entry point. */
export async function handler(event: unknown): Promise<TickResult> {
  const tick = parseTickEvent(event);
  let result: TickResult;
  try {
    result = await startTickExecution(sfn, stateMachineArn, tick);
  } catch (error) {
    logger.error('could not start the execution; Lambda retries the tick', {
      schedule: tick.schedule,
      scheduledTime: tick.scheduledTime,
      error: error as Error,
    });
    throw error;
  }
  const keys = { schedule: tick.schedule, scheduledTime: tick.scheduledTime, ...result };
  if (result.alreadyStarted) logger.info('tick already started', keys);
  else logger.info('execution started', keys);
  return result;
}
