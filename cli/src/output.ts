/**
 * What `batchctl` prints. Pure formatters (a job's summary, a live status
 * line, key: value lines) and a small printer that writes a live line on a
 * terminal, plain lines otherwise, and one JSON document with `--json`.
 */
import { classifyFailure } from '../../lambda/shared/classify';
import {
  exitCodeOf,
  isArrayParent,
  type JobFacts,
  logStreamOf,
  queueShortName,
} from '../../lambda/shared/job-status';
import type { ErrorOutcome } from './exit-codes';

/** The fields users know from the integration, plus the SPEC classification of a failure. */
export interface JobView {
  readonly jobArn?: string;
  readonly jobId?: string;
  readonly jobName?: string;
  readonly jobQueue?: string;
  readonly status?: string;
  readonly statusReason?: string;
  readonly exitCode?: number;
  readonly logStreamName?: string;
  readonly attempts?: number;
  readonly createdAt?: number;
  readonly startedAt?: number;
  readonly stoppedAt?: number;
  readonly arrayStatusSummary?: Record<string, number>;
  /** FAILED only: the SPEC error name, e.g. `Batch.OutOfMemory`. */
  readonly error?: string;
  /** FAILED only: the most specific reason found. */
  readonly reason?: string;
  /** FAILED only: whether a retry could help. */
  readonly retryable?: boolean;
}

/** Summarises a DescribeJobs job; undefined fields are dropped. */
export function jobView(job: JobFacts): JobView {
  const parent = isArrayParent(job);
  const failure = job.status === 'FAILED' ? classifyFailure(job) : undefined;
  return compact({
    jobArn: job.jobArn,
    jobId: job.jobId,
    jobName: job.jobName,
    jobQueue: queueShortName(job.jobQueue),
    status: job.status,
    statusReason: job.statusReason,
    exitCode: parent ? undefined : exitCodeOf(job),
    logStreamName: parent ? undefined : logStreamOf(job),
    attempts: job.attempts?.length,
    createdAt: job.createdAt,
    startedAt: job.startedAt,
    stoppedAt: job.stoppedAt,
    arrayStatusSummary: job.arrayProperties?.statusSummary,
    error: failure?.error,
    reason: failure?.reason,
    retryable: failure?.retryable,
  });
}

/** Drops undefined, null and empty-string fields. */
export function compact<T extends object>(value: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined && v !== null && v !== '') out[k] = v;
  return out as T;
}

/** `key: value` lines; objects are printed as compact JSON, epoch-ms `...At` fields as ISO dates. */
export function formatFields(fields: object): string[] {
  return Object.entries(fields)
    .filter(([, v]) => v !== undefined && v !== null && v !== '')
    .map(([k, v]) => {
      if (typeof v === 'number' && k.endsWith('At')) return `${k}: ${new Date(v).toISOString()}`;
      if (v instanceof Date) return `${k}: ${v.toISOString()}`;
      if (typeof v === 'object') return `${k}: ${JSON.stringify(v)}`;
      return `${k}: ${String(v)}`;
    });
}

/** `75_000` -> `1m15s`; `3_723_000` -> `1h02m03s`. */
export function formatElapsed(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  if (h > 0) return `${h}h${pad(m)}m${pad(s)}s`;
  if (m > 0) return `${m}m${pad(s)}s`;
  return `${s}s`;
}

/** The attempt a job is on: finished attempts, plus the one under way while it runs. */
export function currentAttempt(
  job: JobFacts & { retryStrategy?: { attempts?: number } },
): string | undefined {
  if (isArrayParent(job)) return undefined; // the children have attempts, the parent does not
  const done = job.attempts?.length ?? 0;
  const active = job.status === 'STARTING' || job.status === 'RUNNING' ? 1 : 0;
  const n = done + active;
  if (n === 0) return undefined;
  const max = job.retryStrategy?.attempts;
  return max === undefined ? String(n) : `${n}/${max}`;
}

/** One status line: `RUNNING  elapsed 1m15s  attempt 1/3  job <id>`. */
export function statusLine(
  job: JobFacts & { retryStrategy?: { attempts?: number } },
  elapsedMs: number,
): string {
  const attempt = currentAttempt(job);
  const summary = job.arrayProperties?.statusSummary;
  const array =
    summary === undefined
      ? ''
      : `  array ${Object.entries(summary)
          .filter(([, n]) => n > 0)
          .map(([s, n]) => `${s}=${n}`)
          .join(' ')}`;
  return [
    (job.status ?? 'UNKNOWN').padEnd(9),
    ` elapsed ${formatElapsed(elapsedMs)}`,
    attempt === undefined ? '' : `  attempt ${attempt}`,
    array,
    `  job ${job.jobId ?? '?'}`,
  ].join('');
}

/** Streams the printer writes to. */
export interface PrinterStreams {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream;
}

/**
 * Writes results and progress. With `json`, progress is silent and `result`
 * prints one JSON document. On a terminal progress rewrites one live line;
 * otherwise each change is a plain line.
 */
export class Printer {
  private liveActive = false;
  private lastProgress: string | undefined;

  constructor(
    private readonly streams: PrinterStreams,
    readonly json: boolean,
    readonly live: boolean,
  ) {}

  /** Plain text lines (ignored in JSON mode). */
  lines(lines: readonly string[]): void {
    if (this.json) return;
    this.clearLive();
    for (const line of lines) this.streams.stdout.write(`${line}\n`);
  }

  /** The command's result: JSON in JSON mode, else the given text lines (default: `key: value`). */
  result(value: object, text: readonly string[] = formatFields(value)): void {
    if (this.json) {
      this.streams.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
      return;
    }
    this.lines(text);
  }

  /** A JSON document, whatever the output mode (e.g. `status --full`). */
  document(value: object): void {
    this.clearLive();
    this.streams.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** One JSON document on one line (a stream of records, e.g. log events with `--json`). */
  jsonLine(value: object): void {
    this.clearLive();
    this.streams.stdout.write(`${JSON.stringify(value)}\n`);
  }

  /**
   * A progress update. `key` decides what counts as a change for plain output
   * (e.g. the status), so a non-terminal prints one line per change, not one
   * per poll.
   */
  progress(line: string, key: string = line): void {
    if (this.json) return;
    if (this.live) {
      this.streams.stdout.write(`\r\u001b[2K${line}`);
      this.liveActive = true;
      return;
    }
    if (key === this.lastProgress) return;
    this.lastProgress = key;
    this.streams.stdout.write(`${line}\n`);
  }

  /** A note for people, on stderr (never mixed into JSON). */
  note(text: string): void {
    this.clearLive();
    this.streams.stderr.write(`${text}\n`);
  }

  /** An error: `LABEL: message` on stderr; with `--json` also `{ error }` on stdout. */
  error(outcome: ErrorOutcome, details: readonly string[] = []): void {
    this.clearLive();
    this.streams.stderr.write(`batchctl: ${outcome.label}: ${outcome.message}\n`);
    for (const line of details) this.streams.stderr.write(`  ${line}\n`);
    if (this.json) {
      this.streams.stdout.write(
        `${JSON.stringify({ error: { exitCode: outcome.exitCode, label: outcome.label, message: outcome.message, details } }, null, 2)}\n`,
      );
    }
  }

  /** Ends the live line so the next output starts on a fresh line. */
  clearLive(): void {
    if (this.liveActive) {
      this.streams.stdout.write('\n');
      this.liveActive = false;
    }
  }
}
