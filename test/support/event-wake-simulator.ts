/**
 * The AWS side of event wake-up, in memory, for tests and the benchmark:
 *
 * - the wait table (a DynamoDB table behind an aws-sdk-client-mock stub of
 *   DynamoDBDocumentClient: UpdateItem with `SET #a = :a, ... ADD #n :n` and
 *   `ReturnValues: ALL_NEW`, as the handlers use it);
 * - Step Functions' task tokens (SendTaskSuccess completes an open wait once;
 *   later calls fail TaskTimedOut, unknown tokens InvalidToken);
 * - Batch "Batch Job State Change" events derived from the {@link BatchSimulator}'s
 *   jobs: one terminal event per job at its stop time plus a delivery delay;
 *   events can be lost.
 */
import { InvalidToken, SendTaskSuccessCommand, type SFNClient, TaskTimedOut } from '@aws-sdk/client-sfn';
import { type DynamoDBDocumentClient, UpdateCommand, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import type { AwsClientStub } from 'aws-sdk-client-mock';
import type { BatchSimulator, SimJob } from './batch-simulator';

/** Options of {@link EventWakeSimulator}. */
export interface EventWakeOptions {
  /** Delay between a job's end and the delivery of its event to Wake. @default 0 */
  readonly eventDelayMs?: number;
  /** This many terminal events (in order of delivery) are lost. @default 0 */
  readonly loseEvents?: number;
}

/** A Batch job state-change event as EventBridge delivers it to Wake. */
export interface JobStateChangeEvent {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': 'Batch Job State Change';
  readonly source: 'aws.batch';
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: string[];
  readonly detail: Record<string, unknown>;
}

type Item = Record<string, unknown>;

/** Length of the simulated task tokens (real ones are opaque strings of several hundred characters, at most 2048). */
export const TASK_TOKEN_LENGTH = 1000;

/** In-memory wait table, task tokens and job events. */
export class EventWakeSimulator {
  readonly items = new Map<string, Item>();
  /** Writes to the wait table, with the item's size after each (bytes, JSON). */
  readonly writes: { jobId: string; bytes: number }[] = [];
  /** Outputs of completed waits by token. */
  readonly completed = new Map<string, unknown>();
  /** SendTaskSuccess calls (accepted or not). */
  sendTaskSuccessCalls = 0;
  /** Events delivered to Wake, and lost. */
  delivered = 0;
  lost = 0;
  private readonly open = new Set<string>();
  private readonly closed = new Set<string>();
  private readonly handled = new Set<string>();
  private tokenSequence = 0;

  constructor(
    private readonly sim: BatchSimulator,
    private readonly options: EventWakeOptions = {},
  ) {}

  /** Routes the document client's UpdateItem and the SFN client's SendTaskSuccess here. */
  install(stubs: { dynamodb: AwsClientStub<DynamoDBDocumentClient>; sfn: AwsClientStub<SFNClient> }): this {
    stubs.dynamodb.on(UpdateCommand).callsFake((input: UpdateCommandInput) => this.update(input));
    stubs.sfn.on(SendTaskSuccessCommand).callsFake((input: { taskToken: string; output: string }) => {
      this.sendTaskSuccessCalls++;
      if (this.open.has(input.taskToken)) {
        this.open.delete(input.taskToken);
        this.closed.add(input.taskToken);
        this.completed.set(input.taskToken, JSON.parse(input.output));
        return {};
      }
      if (this.closed.has(input.taskToken)) {
        throw new TaskTimedOut({ message: 'Task Timed Out', $metadata: { httpStatusCode: 400 } });
      }
      throw new InvalidToken({ message: 'Invalid Token', $metadata: { httpStatusCode: 400 } });
    });
    return this;
  }

  /** A fresh task token (as long as a real one, so item sizes are realistic), open until completed or {@link expire}d. */
  issueToken(): string {
    const token = `task-token-${++this.tokenSequence}-`.padEnd(TASK_TOKEN_LENGTH, 'x');
    this.open.add(token);
    return token;
  }

  /** The wait of this token timed out: it can no longer be completed. */
  expire(token: string): void {
    this.open.delete(token);
    this.closed.add(token);
  }

  /** The next undelivered terminal event (by delivery time) due at or before `untilMs`, if any. */
  nextEvent(untilMs: number): { job: SimJob; deliverAtMs: number } | undefined {
    let next: { job: SimJob; deliverAtMs: number } | undefined;
    for (const job of this.sim.jobs.values()) {
      if (this.handled.has(job.jobId)) continue;
      const stoppedAt = this.stoppedAt(job);
      if (stoppedAt === undefined) continue;
      const deliverAtMs = stoppedAt + (this.options.eventDelayMs ?? 0);
      if (deliverAtMs > untilMs) continue;
      if (next === undefined || deliverAtMs < next.deliverAtMs) next = { job, deliverAtMs };
    }
    return next;
  }

  /**
   * Takes the next event due by `untilMs` off the queue and advances the clock to its delivery;
   * returns the event, or undefined when the event was lost (or none was due).
   */
  takeEvent(untilMs: number): JobStateChangeEvent | undefined | 'none' {
    const next = this.nextEvent(untilMs);
    if (next === undefined) return 'none';
    this.handled.add(next.job.jobId);
    this.sim.nowMs = Math.max(this.sim.nowMs, next.deliverAtMs);
    if (this.lost < (this.options.loseEvents ?? 0)) {
      this.lost++;
      return undefined;
    }
    this.delivered++;
    return this.eventOf(next.job);
  }

  /** The state-change event of a finished job, built from its DescribeJobs view. */
  eventOf(job: SimJob): JobStateChangeEvent {
    const detail = this.sim.detail(job) as unknown as Record<string, unknown>;
    return {
      version: '0',
      id: `event-${job.jobId}`,
      'detail-type': 'Batch Job State Change',
      source: 'aws.batch',
      account: '123456789012',
      time: new Date(this.sim.nowMs).toISOString(),
      region: 'eu-west-1',
      resources: [job.jobArn],
      detail: JSON.parse(JSON.stringify(detail)) as Record<string, unknown>,
    };
  }

  /** When the job reached SUCCEEDED or FAILED (scripted or terminated), if it has. */
  stoppedAt(job: SimJob): number | undefined {
    const terminal = job.script.timeline.find((s) => s.status === 'SUCCEEDED' || s.status === 'FAILED');
    const scripted = terminal === undefined ? undefined : job.createdAt + terminal.afterMs;
    const terminated = job.terminated?.atMs;
    const candidates = [scripted, terminated].filter((t): t is number => t !== undefined);
    return candidates.length === 0 ? undefined : Math.min(...candidates);
  }

  private update(input: UpdateCommandInput): { Attributes: Item } {
    const key = String((input.Key as { jobId: string }).jobId);
    const item: Item = structuredClone(this.items.get(key) ?? { jobId: key });
    const names = input.ExpressionAttributeNames ?? {};
    const values = (input.ExpressionAttributeValues ?? {}) as Record<string, unknown>;
    const nameOf = (token: string) => names[token] ?? token;
    const expression = input.UpdateExpression ?? '';
    for (const [, clause, body] of expression.matchAll(/\b(SET|ADD)\s+(.*?)(?=\s+\b(?:SET|ADD)\b|$)/gs)) {
      for (const part of (body ?? '').split(',').map((p) => p.trim())) {
        if (clause === 'SET') {
          const [name, value] = part.split('=').map((p) => p.trim());
          item[nameOf(name ?? '')] = structuredClone(values[value ?? '']);
        } else {
          const [name, value] = part.split(/\s+/);
          const attribute = nameOf(name ?? '');
          item[attribute] = Number(item[attribute] ?? 0) + Number(values[value ?? '']);
        }
      }
    }
    this.items.set(key, item);
    this.writes.push({ jobId: key, bytes: Buffer.byteLength(JSON.stringify(item)) });
    return { Attributes: structuredClone(item) };
  }
}
