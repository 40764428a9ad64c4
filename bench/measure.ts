/**
 * The benchmark's measurement core: runs ONE execution of the real job-runner
 * ASL (aws-local-stepfunctions + the real handlers, Batch simulated, time
 * simulated) for a polling strategy and a job duration, and turns what it
 * counted into orchestration cost. Used by `bench/run.ts` and by the test
 * that keeps the counting honest (`test/bench/measure.test.ts`).
 */
import '../test/support/job-runner-env';
import { BatchClient } from '@aws-sdk/client-batch';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import type { CompletionMode } from '../lib/job-runner';
import { BatchSimulator, succeedingTimeline, type TimelineStep } from '../test/support/batch-simulator';
import { EventWakeSimulator } from '../test/support/event-wake-simulator';
import { type RunResult, runJobRunner } from '../test/support/job-runner-harness';
import { synthesizeJobRunnerAsl } from './job-runner-asl';

/** Published prices (us-east-1) the cost columns use. */
export const PRICES = {
  /** Step Functions Standard: $0.025 per 1,000 state transitions. */
  perTransition: 0.025 / 1000,
  /** Lambda: $0.20 per 1M requests. */
  perLambdaRequest: 0.2 / 1_000_000,
  /** Lambda on arm64 (the functions' architecture): $0.0000133334 per GB-second. */
  perLambdaGbSecond: 0.0000133334,
  /** DynamoDB on-demand: $0.625 per million write request units. */
  perWriteUnit: 0.625 / 1_000_000,
} as const;

/** Lambda assumptions of the cost columns. */
export const LAMBDA_ASSUMPTIONS = {
  /** The functions' configured memory (lib/job-runner.ts). */
  memoryGb: 256 / 1024,
  /** Assumed billed duration of one warm invocation: one AWS API round trip plus JSON work. */
  durationSeconds: 0.1,
} as const;

/** Step Functions' limit on events in one execution's history. */
export const HISTORY_EVENT_LIMIT = 25_000;

/** A way of watching a job. */
export interface Strategy {
  readonly id: string;
  readonly label: string;
  readonly completion: CompletionMode;
  /** Request fields (poll mode: the polling schedule). */
  readonly request: Record<string, unknown>;
}

/** The strategies compared side by side. */
export const STRATEGIES: readonly Strategy[] = [
  {
    id: 'fixed-30',
    label: 'fixed 30 s',
    completion: 'poll',
    request: { pollIntervalSeconds: 30, maxPollIntervalSeconds: 30 },
  },
  {
    id: 'fixed-5',
    label: 'fixed 5 s',
    completion: 'poll',
    request: { pollIntervalSeconds: 5, maxPollIntervalSeconds: 5 },
  },
  { id: 'adaptive', label: 'adaptive 30 s -> 300 s (default)', completion: 'poll', request: {} },
  { id: 'events', label: 'event wake-up, 1 h fallback', completion: 'events', request: {} },
];

/** The job every measurement watches: 60 s from submission to RUNNING (as in the simulator), then `runSeconds`. */
export function benchTimeline(runSeconds: number, arraySize?: number): TimelineStep[] {
  const steps = succeedingTimeline(runSeconds * 1000);
  if (arraySize === undefined) return steps;
  const summary = (status: string) => ({ [status]: arraySize });
  return steps.map((s) => ({ ...s, statusSummary: summary(s.status) }));
}

/** What one execution cost. */
export interface Measurement {
  readonly strategy: string;
  readonly runSeconds: number;
  readonly status: string;
  /** Billed state transitions: states entered plus retried attempts. */
  readonly transitions: number;
  /** Lambda invocations, Wake included. */
  readonly lambdaInvocations: number;
  /** Every Batch API call (SubmitJob, ListJobs, DescribeJobs). */
  readonly batchCalls: number;
  readonly describeCalls: number;
  /** Status checks (the output's `polls`). */
  readonly statusChecks: number;
  /** From the job's end to the execution noticing it, seconds (this run). */
  readonly detectionSeconds: number;
  /**
   * Worst case over when the job could have ended: polling, the wait before the check that
   * saw the end (the job may have ended right after the previous check); events, as measured.
   */
  readonly worstDetectionSeconds: number;
  /** Estimated execution history events (limit 25,000). */
  readonly historyEvents: number;
  readonly dynamodbWriteUnits: number;
  /** Orchestration cost of 1,000 such jobs, USD. */
  readonly costPer1000: number;
}

/** Orchestration cost of 1,000 jobs from one job's counts. */
export function costPer1000Jobs(counts: {
  transitions: number;
  lambdaInvocations: number;
  dynamodbWriteUnits: number;
}): number {
  const lambdaPerInvocation =
    PRICES.perLambdaRequest +
    LAMBDA_ASSUMPTIONS.memoryGb * LAMBDA_ASSUMPTIONS.durationSeconds * PRICES.perLambdaGbSecond;
  const perJob =
    counts.transitions * PRICES.perTransition +
    counts.lambdaInvocations * lambdaPerInvocation +
    counts.dynamodbWriteUnits * PRICES.perWriteUnit;
  return perJob * 1000;
}

/** Options of one measurement. */
export interface MeasureOptions {
  /** Lose the job's event (events mode): detection then waits for the fallback check. */
  readonly loseEvent?: boolean;
  /** Submit an array job of this size. */
  readonly arraySize?: number;
  /** @default 172800 (2 days, so a 24-hour job is not cut by the 24-hour default deadline) */
  readonly deadlineSeconds?: number;
}

/** The last Wait's delay before the end (poll mode), else the measured detection. */
function worstDetectionSeconds(result: RunResult, measured: number): number {
  const waits = result.events.filter(
    (e) => e.type === 'StateEntered' && (e as { state: { name: string } }).state.name === 'WaitForNextCheck',
  );
  const last = waits[waits.length - 1] as {
    state: { input: { check?: { poll?: { delaySeconds?: number } } } };
  };
  return Math.max(measured, last?.state.input.check?.poll?.delaySeconds ?? 0);
}

/** Synthesized definitions and SDK stubs, shared by many measurements. */
export class Bench {
  private readonly definitions = new Map<CompletionMode, Record<string, unknown>>();
  private readonly batch = mockClient(BatchClient);
  private readonly dynamodb = mockClient(DynamoDBDocumentClient);
  private readonly sfn = mockClient(SFNClient);

  /** The ASL CDK synthesizes for a completion mode (cached). */
  definition(completion: CompletionMode): Record<string, unknown> {
    let definition = this.definitions.get(completion);
    if (definition === undefined) {
      definition = synthesizeJobRunnerAsl({ completion });
      this.definitions.set(completion, definition);
    }
    return definition;
  }

  /** Runs one execution and returns its counts and cost, and the raw result. */
  async measure(
    strategy: Strategy,
    runSeconds: number,
    options: MeasureOptions = {},
  ): Promise<{ measurement: Measurement; result: RunResult; sim: BatchSimulator }> {
    this.batch.reset();
    this.dynamodb.reset();
    this.sfn.reset();
    const sim = new BatchSimulator({ queues: ['default'], jobDefinitions: ['dev-processor'] }).install(
      this.batch,
    );
    const wake = new EventWakeSimulator(sim, { loseEvents: options.loseEvent ? 1 : 0 }).install({
      dynamodb: this.dynamodb,
      sfn: this.sfn,
    });
    sim.scriptNextJob({ timeline: benchTimeline(runSeconds, options.arraySize) });
    const input = {
      jobName: 'bench',
      jobDefinition: 'dev-processor',
      deadlineSeconds: options.deadlineSeconds ?? 172_800,
      ...(options.arraySize !== undefined ? { arrayProperties: { size: options.arraySize } } : {}),
      ...strategy.request,
    };
    const result = await runJobRunner(input, {
      sim,
      definition: this.definition(strategy.completion),
      wake,
      executionName: `bench-${strategy.id}-${runSeconds}`,
    });
    const job = sim.submittedJobs()[0];
    const stoppedAt = job === undefined ? undefined : sim.detail(job).stoppedAt;
    const transitions = result.transitions + result.retries;
    const lambdaInvocations =
      Object.values(result.invocations).reduce((a, b) => a + b, 0) + result.wakeInvocations;
    const dynamodbWriteUnits = wake.writes.reduce((sum, w) => sum + Math.ceil(w.bytes / 1024), 0);
    const measurement: Measurement = {
      strategy: strategy.id,
      runSeconds,
      status: result.status === 'SUCCEEDED' ? 'SUCCEEDED' : `FAILED ${result.error}`,
      transitions,
      lambdaInvocations,
      batchCalls: Object.values(sim.calls).reduce((a, b) => a + b, 0),
      describeCalls: sim.calls.DescribeJobs,
      statusChecks: (result.output as { polls?: number } | undefined)?.polls ?? 0,
      detectionSeconds: stoppedAt === undefined ? Number.NaN : (sim.nowMs - stoppedAt) / 1000,
      worstDetectionSeconds: worstDetectionSeconds(
        result,
        stoppedAt === undefined ? 0 : (sim.nowMs - stoppedAt) / 1000,
      ),
      historyEvents: result.historyEvents,
      dynamodbWriteUnits,
      costPer1000: costPer1000Jobs({ transitions, lambdaInvocations, dynamodbWriteUnits }),
    };
    return { measurement, result, sim };
  }

  /** Restores the SDK clients. */
  restore(): void {
    this.batch.restore();
    this.dynamodb.restore();
    this.sfn.restore();
  }
}
