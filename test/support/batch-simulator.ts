/**
 * A stateful, in-memory AWS Batch for tests and the benchmark: jobs with ids,
 * ARNs and tags, a scripted status timeline per job driven by a controllable
 * clock, call counters per API, and injectable failures (throttling, 5xx,
 * client errors). Pure: no SDK calls; {@link BatchSimulator.install} wires it
 * to an aws-sdk-client-mock stub of BatchClient.
 */
import {
  type BatchClient,
  BatchServiceException,
  ClientException,
  DescribeJobsCommand,
  type DescribeJobsCommandInput,
  type JobDetail,
  ListJobsCommand,
  type ListJobsCommandInput,
  type ListJobsCommandOutput,
  SubmitJobCommand,
  type SubmitJobCommandInput,
  TerminateJobCommand,
  type TerminateJobCommandInput,
} from '@aws-sdk/client-batch';
import type { AwsClientStub } from 'aws-sdk-client-mock';

/** The Batch APIs the job runner calls. */
export type BatchApi = 'SubmitJob' | 'ListJobs' | 'DescribeJobs' | 'TerminateJob';

/** One step of a job's scripted life, relative to its creation. */
export interface TimelineStep {
  /** Milliseconds after the job was created. */
  readonly afterMs: number;
  readonly status: 'SUBMITTED' | 'PENDING' | 'RUNNABLE' | 'STARTING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED';
  readonly statusReason?: string;
  /** Terminal steps: the last attempt's container exit code and reason. */
  readonly exitCode?: number;
  readonly containerReason?: string;
  /** The last attempt's own status reason. */
  readonly attemptStatusReason?: string;
  /** Number of attempts at this step (default 1 once RUNNING). */
  readonly attempts?: number;
  /** Array parents: the status summary at this step. */
  readonly statusSummary?: Record<string, number>;
}

/** How a submitted (or pre-existing) job behaves. */
export interface JobScript {
  readonly timeline: readonly TimelineStep[];
  /** DescribeJobs and ListJobs do not see the job for this long after creation (eventual consistency). */
  readonly invisibleForMs?: number;
  /** The job disappears (expired) this long after creation. */
  readonly vanishAfterMs?: number;
}

/** A job in the simulator. */
export interface SimJob {
  readonly jobId: string;
  readonly jobArn: string;
  readonly jobName: string;
  readonly jobQueue: string;
  readonly jobDefinition: string;
  readonly createdAt: number;
  readonly tags: Record<string, string>;
  readonly arraySize?: number;
  readonly request?: SubmitJobCommandInput;
  readonly script: JobScript;
  terminated?: { atMs: number; reason: string };
}

/** A 1-hour job that goes SUBMITTED -> RUNNABLE -> STARTING -> RUNNING -> SUCCEEDED. */
export function succeedingTimeline(runMs = 60 * 60 * 1000, startMs = 60_000): TimelineStep[] {
  return [
    { afterMs: 0, status: 'SUBMITTED' },
    { afterMs: 5_000, status: 'RUNNABLE' },
    { afterMs: startMs - 20_000, status: 'STARTING' },
    { afterMs: startMs, status: 'RUNNING' },
    {
      afterMs: startMs + runMs,
      status: 'SUCCEEDED',
      statusReason: 'Essential container in task exited',
      exitCode: 0,
    },
  ];
}

/** A job that runs, then fails with the given terminal step fields. */
export function failingTimeline(
  failure: Omit<TimelineStep, 'afterMs' | 'status'>,
  runMs = 120_000,
): TimelineStep[] {
  return [
    { afterMs: 0, status: 'SUBMITTED' },
    { afterMs: 5_000, status: 'RUNNABLE' },
    { afterMs: 30_000, status: 'RUNNING' },
    { afterMs: 30_000 + runMs, status: 'FAILED', ...failure },
  ];
}

/** Builds a throttling error as the SDK reports it. */
export function throttlingError(): BatchServiceException {
  return new BatchServiceException({
    name: 'TooManyRequestsException',
    $fault: 'client',
    message: 'Too Many Requests',
    $metadata: { httpStatusCode: 429 },
  });
}

/** Builds a Batch 5xx as the SDK reports it. */
export function serverError(): BatchServiceException {
  return new BatchServiceException({
    name: 'ServerException',
    $fault: 'server',
    message: 'Internal server error',
    $metadata: { httpStatusCode: 500 },
  });
}

/** Builds a Batch ClientException. */
export function clientError(message: string): ClientException {
  return new ClientException({ message, $metadata: { httpStatusCode: 400 } });
}

/** Options of {@link BatchSimulator}. */
export interface BatchSimulatorOptions {
  /** Initial simulated time, epoch ms. @default 2026-01-01T00:00:00Z */
  readonly startMs?: number;
  readonly region?: string;
  readonly account?: string;
  /** Queue names that exist (SubmitJob to another queue is a ClientException). @default any */
  readonly queues?: readonly string[];
  /** Job definition names that exist. @default any */
  readonly jobDefinitions?: readonly string[];
}

/** The simulated Batch. */
export class BatchSimulator {
  /** Simulated now, epoch ms. */
  nowMs: number;
  readonly jobs = new Map<string, SimJob>();
  readonly calls: Record<BatchApi, number> = { SubmitJob: 0, ListJobs: 0, DescribeJobs: 0, TerminateJob: 0 };
  /** Every request received, in order. */
  readonly log: { api: BatchApi; input: unknown; atMs: number }[] = [];
  private readonly region: string;
  private readonly account: string;
  private readonly scripts: JobScript[] = [];
  private readonly failures: Record<BatchApi, Error[]> = {
    SubmitJob: [],
    ListJobs: [],
    DescribeJobs: [],
    TerminateJob: [],
  };
  private sequence = 0;

  constructor(private readonly options: BatchSimulatorOptions = {}) {
    this.nowMs = options.startMs ?? Date.parse('2026-01-01T00:00:00Z');
    this.region = options.region ?? 'eu-west-1';
    this.account = options.account ?? '123456789012';
  }

  /** Moves the clock forward. */
  advance(ms: number): void {
    this.nowMs += ms;
  }

  /** The script of the next submitted job (FIFO); without one a job succeeds after an hour. */
  scriptNextJob(script: JobScript): this {
    this.scripts.push(script);
    return this;
  }

  /** The next `count` calls of `api` fail with `error` (before doing anything). */
  failNext(api: BatchApi, error: Error | (() => Error), count = 1): this {
    for (let i = 0; i < count; i++) this.failures[api].push(typeof error === 'function' ? error() : error);
    return this;
  }

  /** Adds a job that exists before the execution (attach mode); returns its id. */
  addJob(init: {
    jobName: string;
    jobQueue?: string;
    tags?: Record<string, string>;
    script: JobScript;
    arraySize?: number;
    createdAt?: number;
  }): string {
    return this.createJob({
      jobName: init.jobName,
      jobQueue: init.jobQueue ?? 'default',
      jobDefinition: 'external',
      tags: init.tags ?? {},
      script: init.script,
      arraySize: init.arraySize,
      createdAt: init.createdAt ?? this.nowMs,
    }).jobId;
  }

  /** The jobs submitted through SubmitJob. */
  submittedJobs(): SimJob[] {
    return [...this.jobs.values()].filter((j) => j.request !== undefined);
  }

  // ----- API -----

  submitJob(input: SubmitJobCommandInput): { jobId: string; jobArn: string; jobName: string } {
    this.record('SubmitJob', input);
    const queue = shortName(input.jobQueue ?? '');
    if (this.options.queues && !this.options.queues.includes(queue)) {
      throw clientError(`Job Queue ${input.jobQueue} not found.`);
    }
    const definition = shortName(input.jobDefinition ?? '').split(':')[0] ?? '';
    if (this.options.jobDefinitions && !this.options.jobDefinitions.includes(definition)) {
      throw clientError(`Job definition ${input.jobDefinition} not found.`);
    }
    const job = this.createJob({
      jobName: input.jobName ?? '',
      jobQueue: queue,
      jobDefinition: definition,
      tags: input.tags ?? {},
      script: this.scripts.shift() ?? { timeline: succeedingTimeline() },
      arraySize: input.arrayProperties?.size,
      createdAt: this.nowMs,
      request: input,
    });
    return { jobId: job.jobId, jobArn: job.jobArn, jobName: job.jobName };
  }

  listJobs(input: ListJobsCommandInput): ListJobsCommandOutput {
    this.record('ListJobs', input);
    const queue = shortName(input.jobQueue ?? '');
    const nameFilter = input.filters?.find((f) => f.name === 'JOB_NAME')?.values?.[0]?.toLowerCase();
    if ((input.filters?.length ?? 0) > 1) throw clientError('Only one filter can be used at a time.');
    const matching = [...this.jobs.values()]
      .filter((j) => j.jobQueue === queue && this.isVisible(j))
      .filter((j) => nameFilter === undefined || j.jobName.toLowerCase() === nameFilter)
      .sort((a, b) => b.createdAt - a.createdAt);
    const pageSize = input.maxResults ?? 2; // tiny pages exercise pagination
    const start = input.nextToken ? Number(input.nextToken) : 0;
    const page = matching.slice(start, start + pageSize);
    return {
      $metadata: {},
      jobSummaryList: page.map((j) => ({
        jobId: j.jobId,
        jobArn: j.jobArn,
        jobName: j.jobName,
        createdAt: j.createdAt,
        status: this.detail(j).status as never,
      })),
      nextToken: start + pageSize < matching.length ? String(start + pageSize) : undefined,
    };
  }

  describeJobs(input: DescribeJobsCommandInput): { jobs: JobDetail[] } {
    this.record('DescribeJobs', input);
    const jobs = (input.jobs ?? [])
      .map((id) => this.jobs.get(id))
      .filter((j): j is SimJob => j !== undefined && this.isVisible(j))
      .map((j) => this.detail(j));
    return { jobs };
  }

  terminateJob(input: TerminateJobCommandInput): void {
    this.record('TerminateJob', input);
    const job = this.jobs.get(input.jobId ?? '');
    if (job === undefined || !this.isVisible(job)) throw clientError(`Job ${input.jobId} not found.`);
    const status = this.detail(job).status;
    if (status !== 'SUCCEEDED' && status !== 'FAILED' && job.terminated === undefined) {
      job.terminated = { atMs: this.nowMs, reason: input.reason ?? '' };
    }
  }

  /** The job as DescribeJobs reports it now. */
  detail(job: SimJob): JobDetail {
    const elapsed = this.nowMs - job.createdAt;
    const steps = job.script.timeline.filter((s) => s.afterMs <= elapsed);
    let step: TimelineStep = steps[steps.length - 1] ?? { afterMs: 0, status: 'SUBMITTED' };
    const running = job.script.timeline.find((s) => s.status === 'RUNNING' && s.afterMs <= elapsed);
    let stoppedAt: number | undefined =
      step.status === 'SUCCEEDED' || step.status === 'FAILED' ? job.createdAt + step.afterMs : undefined;
    if (job.terminated !== undefined && stoppedAt === undefined) {
      step = {
        afterMs: job.terminated.atMs - job.createdAt,
        status: 'FAILED',
        statusReason: job.terminated.reason,
      };
      stoppedAt = job.terminated.atMs;
    }
    const startedAt = running ? job.createdAt + running.afterMs : undefined;
    const attemptCount = step.attempts ?? (startedAt !== undefined || stoppedAt !== undefined ? 1 : 0);
    const isArray = job.arraySize !== undefined;
    const logStreamName = `${job.jobDefinition}/default/${job.jobId.replace(/-/g, '')}`;
    const lastAttempt =
      attemptCount > 0 && !isArray
        ? {
            container: {
              exitCode: step.exitCode,
              reason: step.containerReason,
              logStreamName: startedAt !== undefined ? logStreamName : undefined,
            },
            statusReason: step.attemptStatusReason,
            startedAt,
            stoppedAt,
          }
        : undefined;
    return {
      jobId: job.jobId,
      jobArn: job.jobArn,
      jobName: job.jobName,
      jobQueue: `arn:aws:batch:${this.region}:${this.account}:job-queue/${job.jobQueue}`,
      jobDefinition: `arn:aws:batch:${this.region}:${this.account}:job-definition/${job.jobDefinition}:1`,
      status: step.status,
      statusReason: step.statusReason,
      createdAt: job.createdAt,
      startedAt,
      stoppedAt,
      attempts: lastAttempt
        ? [...Array.from({ length: attemptCount - 1 }, () => ({ container: { exitCode: 1 } })), lastAttempt]
        : [],
      container: isArray ? undefined : { exitCode: step.exitCode, reason: step.containerReason },
      arrayProperties: isArray ? { size: job.arraySize, statusSummary: step.statusSummary ?? {} } : undefined,
      tags: job.tags,
    } as JobDetail;
  }

  /** Routes the BatchClient stub's commands to this simulator. */
  install(stub: AwsClientStub<BatchClient>): this {
    stub
      .on(SubmitJobCommand)
      .callsFake((input: SubmitJobCommandInput) =>
        this.guard('SubmitJob', () => ({ $metadata: {}, ...this.submitJob(input) })),
      );
    stub
      .on(ListJobsCommand)
      .callsFake((input: ListJobsCommandInput) => this.guard('ListJobs', () => this.listJobs(input)));
    stub
      .on(DescribeJobsCommand)
      .callsFake((input: DescribeJobsCommandInput) =>
        this.guard('DescribeJobs', () => ({ $metadata: {}, ...this.describeJobs(input) })),
      );
    stub.on(TerminateJobCommand).callsFake((input: TerminateJobCommandInput) =>
      this.guard('TerminateJob', () => {
        this.terminateJob(input);
        return { $metadata: {} };
      }),
    );
    return this;
  }

  private guard<T>(api: BatchApi, call: () => T): T {
    const failure = this.failures[api].shift();
    if (failure !== undefined) {
      this.calls[api]++;
      this.log.push({ api, input: { injected: failure.name }, atMs: this.nowMs });
      throw failure;
    }
    return call();
  }

  private record(api: BatchApi, input: unknown): void {
    this.calls[api]++;
    this.log.push({ api, input, atMs: this.nowMs });
  }

  private isVisible(job: SimJob): boolean {
    const age = this.nowMs - job.createdAt;
    if (age < (job.script.invisibleForMs ?? 0)) return false;
    return job.script.vanishAfterMs === undefined || age < job.script.vanishAfterMs;
  }

  private createJob(init: Omit<SimJob, 'jobId' | 'jobArn'>): SimJob {
    this.sequence++;
    const jobId = `00000000-0000-4000-8000-${String(this.sequence).padStart(12, '0')}`;
    const job: SimJob = {
      ...init,
      jobId,
      jobArn: `arn:aws:batch:${this.region}:${this.account}:job/${jobId}`,
    };
    this.jobs.set(jobId, job);
    return job;
  }
}

/** `arn:...:job-queue/name` or `name` -> `name`. */
function shortName(value: string): string {
  return value.startsWith('arn:') ? value.slice(value.lastIndexOf('/') + 1) : value;
}
