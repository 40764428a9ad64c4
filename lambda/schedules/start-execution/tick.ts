/**
 * One schedule tick: the starter's input and the pure helpers that turn it
 * into a Step Functions execution name. No SDK import.
 *
 * Why the name comes from the scheduled time: EventBridge Scheduler delivers
 * at least once, Lambda retries a failed asynchronous invocation, and
 * `<aws.scheduler.execution-id>` is "the unique ID that EventBridge Scheduler
 * assigns for each attempted invocation of a target", so a retried attempt
 * may carry a new id. `<aws.scheduler.scheduled-time>` is the tick itself:
 * every attempt and redelivery of the 03:00 tick carries `2026-11-20T03:00:00Z`.
 * Step Functions keeps an execution name for 90 days, so one name per tick
 * means one execution per tick.
 */
import { z } from 'zod';

/** Step Functions execution names are 1-80 characters. */
export const EXECUTION_NAME_MAX_CHARS = 80;

/** Schedule names (as in the config): letters, digits, `.`, `_`, `-`; all valid in execution names. */
export const SCHEDULE_NAME_PATTERN = /^[A-Za-z0-9_.-]{1,48}$/;

/**
 * `<aws.scheduler.scheduled-time>` as the Scheduler renders it, e.g. `2026-11-20T03:00:00Z`
 * (fractional seconds and an offset accepted, so a format change fails loudly only if it is
 * not ISO 8601).
 */
export const SCHEDULED_TIME_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/** What each schedule sends the starter (`ScheduleTargetInput` in `lib/schedules.ts`). */
export const tickEventSchema = z.strictObject({
  /** The schedule's config name, e.g. `poller-hourly`. */
  schedule: z.string().regex(SCHEDULE_NAME_PATTERN, {
    error: 'expected 1-48 letters, digits, ".", "_" or "-"',
  }),
  /** The tick: `<aws.scheduler.scheduled-time>`. */
  scheduledTime: z
    .string()
    .regex(SCHEDULED_TIME_PATTERN, { error: 'expected an ISO 8601 time like 2026-11-20T03:00:00Z' })
    .refine((value) => !Number.isNaN(Date.parse(value)), { error: 'expected a real date and time' }),
  /** The job request the execution starts with (validated at synth and by the job runner). */
  request: z.record(z.string(), z.unknown()),
});

/** A parsed tick. */
export type TickEvent = z.infer<typeof tickEventSchema>;

/** The starter was invoked with something other than a tick: a wiring bug, never retried into success. */
export class InvalidScheduleTickError extends Error {
  constructor(readonly issues: readonly string[]) {
    super(`start-execution: invalid schedule tick: ${issues.join('; ')}`);
    this.name = 'InvalidScheduleTick';
  }
}

/** Parses the event or throws {@link InvalidScheduleTickError} naming every bad field and its value. */
export function parseTickEvent(event: unknown): TickEvent {
  const result = tickEventSchema.safeParse(event);
  if (result.success) return result.data;
  throw new InvalidScheduleTickError(
    result.error.issues.map((issue) => {
      const path = issue.path.map(String).join('.') || '$';
      return `${path}: ${issue.message} (received ${describe(valueAt(event, issue.path))})`;
    }),
  );
}

/**
 * The execution name of a tick: `<schedule>-<scheduledTime without ':'>`, e.g.
 * `poller-hourly-2026-11-20T030000Z`. `:` is forbidden in execution names and the Scheduler
 * cannot transform a context attribute, which is why a function does this. The schedule name is
 * cut so the whole fits in 80 characters (a 48-character schedule name never needs it).
 */
export function executionNameForTick(schedule: string, scheduledTime: string): string {
  const stamp = scheduledTime.replaceAll(':', '');
  const room = EXECUTION_NAME_MAX_CHARS - stamp.length - 1;
  if (room < 1) {
    throw new RangeError(
      `scheduledTime ${JSON.stringify(scheduledTime)} leaves no room for the schedule name`,
    );
  }
  return `${schedule.slice(0, room)}-${stamp}`;
}

/**
 * ARN of the execution `name` of a state machine:
 * `arn:aws:states:eu-west-1:123456789012:stateMachine:runner` ->
 * `arn:aws:states:eu-west-1:123456789012:execution:runner:<name>`.
 */
export function executionArnFor(stateMachineArn: string, name: string): string {
  const parts = stateMachineArn.split(':');
  if (parts.length !== 7 || parts[5] !== 'stateMachine') {
    throw new Error(`expected a state machine ARN, received ${JSON.stringify(stateMachineArn)}`);
  }
  parts[5] = 'execution';
  return [...parts, name].join(':');
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let current = value;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
