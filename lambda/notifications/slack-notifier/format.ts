/**
 * Slack message formatting (SPEC "Slack message"). Pure: an EventBridge event
 * in, Block Kit blocks plus a plain-text fallback out. No SDK, no I/O.
 *
 * The failure classification comes from the job runner's classifier
 * (`lambda/shared/classify.ts`) so Slack, the state machine and `batchctl`
 * always agree on what a failure means.
 */
import { classifyFailure } from '../../shared/classify';
import {
  containerReasonOf,
  exitCodeOf,
  isArrayParent,
  type JobFacts,
  lastAttempt,
  logStreamOf,
  queueShortName,
} from '../../shared/job-status';
import type { BatchJobEvent, ExecutionEvent, NotificationEvent } from './events';

/** Batch's log group when a job definition does not configure its own. */
export const DEFAULT_BATCH_LOG_GROUP = '/aws/batch/job';

/** What the formatter needs besides the event. */
export interface FormatOptions {
  /** The config environment, e.g. `dev` or `prod`. */
  readonly envName: string;
  /** Job definition name (without revision) -> the log group its containers write to. */
  readonly logGroupsByJobDefinition?: Readonly<Record<string, string>>;
}

/** A Block Kit block (the subset this formatter emits). */
export type Block =
  | { type: 'header'; text: { type: 'plain_text'; text: string; emoji: true } }
  | {
      type: 'section';
      text?: { type: 'mrkdwn'; text: string };
      fields?: { type: 'mrkdwn'; text: string }[];
    }
  | { type: 'context'; elements: { type: 'mrkdwn'; text: string }[] };

/** The Slack incoming-webhook payload. */
export interface SlackMessage {
  /** Plain-text fallback: shown in notifications and by clients that cannot render blocks. */
  readonly text: string;
  readonly blocks: Block[];
}

/** Emoji per Batch job or Step Functions execution status. */
export const STATUS_EMOJI: Readonly<Record<string, string>> = {
  SUBMITTED: ':inbox_tray:',
  PENDING: ':hourglass:',
  RUNNABLE: ':hourglass_flowing_sand:',
  STARTING: ':rocket:',
  RUNNING: ':arrow_forward:',
  SUCCEEDED: ':white_check_mark:',
  FAILED: ':x:',
  TIMED_OUT: ':alarm_clock:',
  ABORTED: ':octagonal_sign:',
};

/** The emoji for a status; unknown statuses get a neutral one. */
export function statusEmoji(status: string): string {
  return STATUS_EMOJI[status] ?? ':grey_question:';
}

const MAX_REASON_CHARS = 500;
const MAX_HEADER_CHARS = 150;

/** Formats any notifiable event. */
export function formatNotification(event: NotificationEvent, options: FormatOptions): SlackMessage {
  return event.source === 'aws.batch'
    ? formatBatchJobEvent(event, options)
    : formatExecutionEvent(event, options);
}

/**
 * CloudWatch console "double encoding" of a log group or stream name: the
 * console URL fragment encodes each name with encodeURIComponent and then
 * escapes every `%` as `$25` (so `/` becomes `$252F`).
 */
export function consoleEncode(name: string): string {
  return encodeURIComponent(name).replace(/%/g, '$25');
}

/** Link to a log stream in the CloudWatch console of `region`. */
export function logStreamConsoleUrl(region: string, logGroup: string, logStream: string): string {
  return (
    `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}` +
    `#logsV2:log-groups/log-group/${consoleEncode(logGroup)}/log-events/${consoleEncode(logStream)}`
  );
}

/** Link to a Step Functions execution in the console of `region`. */
export function executionConsoleUrl(region: string, executionArn: string): string {
  return `https://${region}.console.aws.amazon.com/states/home?region=${region}#/v2/executions/details/${executionArn}`;
}

/** Link to a Batch job in the console of `region`. */
export function batchJobConsoleUrl(region: string, jobId: string): string {
  return `https://${region}.console.aws.amazon.com/batch/home?region=${region}#jobs/detail/${encodeURIComponent(jobId)}`;
}

/** `arn:...:job-definition/name:3`, `name:3` or `name` -> `name`. */
export function jobDefinitionName(jobDefinition: string | undefined): string | undefined {
  if (jobDefinition === undefined || jobDefinition === '') return undefined;
  const afterSlash = jobDefinition.startsWith('arn:')
    ? jobDefinition.slice(jobDefinition.indexOf('/') + 1)
    : jobDefinition;
  return afterSlash.split(':')[0];
}

/**
 * The log group a job's containers write to: the `awslogs-group` the job itself reports (its
 * definition's log configuration, present in the event when the definition sets one), else the
 * group this app gave the definition, else Batch's default `/aws/batch/job`.
 */
export function logGroupFor(
  jobDefinition: string | undefined,
  logGroupsByJobDefinition: Readonly<Record<string, string>> = {},
  reportedGroup?: string,
): string {
  if (reportedGroup !== undefined && reportedGroup !== '') return reportedGroup;
  const name = jobDefinitionName(jobDefinition);
  return (name !== undefined ? logGroupsByJobDefinition[name] : undefined) ?? DEFAULT_BATCH_LOG_GROUP;
}

/** `container.logConfiguration.options['awslogs-group']` of a job, when it uses the awslogs driver. */
export function reportedLogGroup(detail: unknown): string | undefined {
  const config = (detail as { container?: { logConfiguration?: { logDriver?: unknown; options?: unknown } } })
    ?.container?.logConfiguration;
  if (config === undefined || config.logDriver !== 'awslogs') return undefined;
  const group = (config.options as Record<string, unknown> | undefined)?.['awslogs-group'];
  return typeof group === 'string' ? group : undefined;
}

/** The facts shown for one Batch job event, in display order. */
export interface BatchJobFacts {
  readonly envName: string;
  readonly jobName: string;
  readonly status: string;
  readonly jobId: string;
  readonly queue: string;
  readonly region: string;
  readonly time: string;
  readonly jobDefinition?: string | undefined;
  readonly arrayIndex?: number | undefined;
  readonly arraySize?: number | undefined;
  readonly arraySummary?: string | undefined;
  readonly logStream?: string | undefined;
  readonly logGroup?: string | undefined;
  readonly logUrl?: string | undefined;
  readonly failure?:
    | {
        readonly exitCode?: number | undefined;
        readonly statusReason?: string | undefined;
        readonly containerReason?: string | undefined;
        readonly classification: string;
        readonly retryable: boolean;
      }
    | undefined;
  readonly attempts: number;
}

/** Extracts the facts a Batch job message shows (pure, table-testable). */
export function batchJobFacts(event: BatchJobEvent, options: FormatOptions): BatchJobFacts {
  const job = event.detail as JobFacts & typeof event.detail;
  const parent = isArrayParent(job);
  const logStream = parent ? undefined : logStreamOf(job);
  const logGroup =
    logStream !== undefined
      ? logGroupFor(job.jobDefinition, options.logGroupsByJobDefinition, reportedLogGroup(event.detail))
      : undefined;
  const failed = job.status === 'FAILED';
  const classified = failed ? classifyFailure(job) : undefined;
  return {
    envName: options.envName,
    jobName: job.jobName,
    status: job.status,
    jobId: job.jobId,
    queue: queueShortName(job.jobQueue) ?? job.jobQueue,
    region: event.region,
    time: event.time,
    jobDefinition: job.jobDefinition,
    arrayIndex: job.arrayProperties?.index,
    arraySize: parent ? job.arrayProperties?.size : undefined,
    arraySummary: parent ? summariseArray(job.arrayProperties?.statusSummary) : undefined,
    logStream,
    logGroup,
    logUrl:
      logStream !== undefined && logGroup !== undefined
        ? logStreamConsoleUrl(event.region, logGroup, logStream)
        : undefined,
    failure:
      classified !== undefined
        ? {
            exitCode: parent ? undefined : exitCodeOf(job),
            statusReason: lastAttempt(job)?.statusReason ?? job.statusReason,
            containerReason: parent ? undefined : containerReasonOf(job),
            classification: classified.classification,
            retryable: classified.retryable,
          }
        : undefined,
    attempts: job.attempts?.length ?? 0,
  };
}

function summariseArray(summary: Readonly<Record<string, number>> | undefined): string {
  if (summary === undefined) return 'no summary';
  const parts = Object.entries(summary)
    .filter(([, count]) => count > 0)
    .map(([status, count]) => `${status} ${count}`);
  return parts.length > 0 ? parts.join(', ') : 'no children reported';
}

/** Formats a "Batch Job State Change" event. */
export function formatBatchJobEvent(event: BatchJobEvent, options: FormatOptions): SlackMessage {
  const f = batchJobFacts(event, options);
  const emoji = statusEmoji(f.status);
  const title = `${emoji} [${f.envName}] Batch job ${f.jobName} ${f.status}`;

  const lines: string[] = [
    title,
    `Environment: ${f.envName}`,
    `Job name: ${f.jobName}`,
    `Status: ${f.status}`,
    `Job id: ${f.jobId}`,
    `Queue: ${f.queue}`,
  ];
  if (f.arrayIndex !== undefined) lines.push(`Array index: ${f.arrayIndex}`);
  if (f.arraySize !== undefined) lines.push(`Array size: ${f.arraySize}`, `Children: ${f.arraySummary}`);
  if (f.failure !== undefined) {
    if (f.arraySize === undefined) lines.push(`Exit code: ${f.failure.exitCode ?? 'none'}`);
    lines.push(`Status reason: ${truncate(f.failure.statusReason ?? 'none')}`);
    if (f.arraySize === undefined)
      lines.push(`Container reason: ${truncate(f.failure.containerReason ?? 'none')}`);
    lines.push(`Classification: ${f.failure.classification}${f.failure.retryable ? ' (retryable)' : ''}`);
  }
  if (f.logStream !== undefined) lines.push(`Log stream: ${f.logStream}`, `Logs: ${f.logUrl}`);
  lines.push(`Region: ${f.region}, at ${f.time}`);

  const fields: string[] = [
    field('Environment', code(f.envName)),
    field('Status', `${emoji} ${escapeMrkdwn(f.status)}`),
    field('Job id', `<${batchJobConsoleUrl(f.region, f.jobId)}|${escapeMrkdwn(f.jobId)}>`),
    field('Queue', code(f.queue)),
  ];
  if (f.arrayIndex !== undefined) fields.push(field('Array index', String(f.arrayIndex)));
  if (f.arraySize !== undefined) {
    fields.push(
      field('Array size', String(f.arraySize)),
      field('Children', escapeMrkdwn(f.arraySummary ?? '')),
    );
  }
  if (f.failure !== undefined) {
    if (f.arraySize === undefined)
      fields.push(field('Exit code', code(String(f.failure.exitCode ?? 'none'))));
    fields.push(
      field(
        'Classification',
        `${code(f.failure.classification)}${f.failure.retryable ? ' (retryable)' : ''}`,
      ),
    );
  }
  if (f.attempts > 0) fields.push(field('Attempts', String(f.attempts)));

  const blocks: Block[] = [
    {
      type: 'header',
      text: {
        type: 'plain_text',
        text: clip(`${emoji} ${f.jobName} ${f.status}`, MAX_HEADER_CHARS),
        emoji: true,
      },
    },
    { type: 'section', fields: fields.slice(0, 10).map(mrkdwn) },
  ];
  if (f.failure !== undefined) {
    const reasons = [`*Status reason*\n${escapeMrkdwn(truncate(f.failure.statusReason ?? 'none'))}`];
    if (f.arraySize === undefined) {
      reasons.push(`*Container reason*\n${escapeMrkdwn(truncate(f.failure.containerReason ?? 'none'))}`);
    }
    blocks.push({ type: 'section', text: mrkdwn(reasons.join('\n')) });
  }
  if (f.logStream !== undefined && f.logUrl !== undefined) {
    blocks.push({
      type: 'section',
      text: mrkdwn(`*Log stream*\n<${f.logUrl}|${escapeMrkdwn(f.logStream)}> in ${code(f.logGroup ?? '')}`),
    });
  }
  blocks.push({
    type: 'context',
    elements: [
      mrkdwn(
        `${escapeMrkdwn(f.region)} · ${escapeMrkdwn(f.time)} · job definition ${code(jobDefinitionName(f.jobDefinition) ?? 'unknown')}`,
      ),
    ],
  });
  return { text: lines.join('\n'), blocks };
}

/** The facts shown for one execution status change. */
export interface ExecutionFacts {
  readonly envName: string;
  readonly stateMachine: string;
  readonly execution: string;
  readonly status: string;
  readonly error?: string | undefined;
  readonly cause?: string | undefined;
  readonly url: string;
  readonly region: string;
  readonly time: string;
}

/** Extracts the facts an execution message shows. */
export function executionFacts(event: ExecutionEvent, options: FormatOptions): ExecutionFacts {
  const d = event.detail;
  const marker = ':stateMachine:';
  const at = d.stateMachineArn.indexOf(marker);
  return {
    envName: options.envName,
    stateMachine: at >= 0 ? d.stateMachineArn.slice(at + marker.length) : d.stateMachineArn,
    execution: d.name,
    status: d.status,
    error: d.error ?? undefined,
    cause: summariseCause(d.cause ?? undefined),
    url: executionConsoleUrl(event.region, d.executionArn),
    region: event.region,
    time: event.time,
  };
}

/** The job runner's Cause is contract JSON: show its reason (or the whole thing, shortened). */
function summariseCause(cause: string | undefined): string | undefined {
  if (cause === undefined || cause === '') return undefined;
  try {
    const parsed = JSON.parse(cause) as Record<string, unknown>;
    const parts = ['jobId', 'jobName', 'classification', 'exitCode', 'reason', 'statusReason']
      .filter((k) => parsed[k] !== undefined && parsed[k] !== null)
      .map((k) => `${k}: ${String(parsed[k])}`);
    if (parts.length > 0) return truncate(parts.join(', '));
  } catch {
    // Not JSON: shown as is.
  }
  return truncate(cause);
}

/** Formats a "Step Functions Execution Status Change" event. */
export function formatExecutionEvent(event: ExecutionEvent, options: FormatOptions): SlackMessage {
  const f = executionFacts(event, options);
  const emoji = statusEmoji(f.status);
  const lines = [
    `${emoji} [${f.envName}] Execution ${f.execution} of ${f.stateMachine} ${f.status}`,
    `Environment: ${f.envName}`,
    `State machine: ${f.stateMachine}`,
    `Execution: ${f.execution}`,
    `Status: ${f.status}`,
    `Error: ${f.error ?? 'none'}`,
  ];
  if (f.cause !== undefined) lines.push(`Cause: ${f.cause}`);
  lines.push(`Console: ${f.url}`, `Region: ${f.region}, at ${f.time}`);

  const blocks: Block[] = [
    {
      type: 'header',
      text: {
        type: 'plain_text',
        text: clip(`${emoji} ${f.stateMachine} ${f.status}`, MAX_HEADER_CHARS),
        emoji: true,
      },
    },
    {
      type: 'section',
      fields: [
        field('Environment', code(f.envName)),
        field('Status', `${emoji} ${escapeMrkdwn(f.status)}`),
        field('State machine', code(f.stateMachine)),
        field('Execution', `<${f.url}|${escapeMrkdwn(f.execution)}>`),
        field('Error', code(f.error ?? 'none')),
      ].map(mrkdwn),
    },
  ];
  if (f.cause !== undefined)
    blocks.push({ type: 'section', text: mrkdwn(`*Cause*\n${escapeMrkdwn(f.cause)}`) });
  blocks.push({ type: 'context', elements: [mrkdwn(`${escapeMrkdwn(f.region)} · ${escapeMrkdwn(f.time)}`)] });
  return { text: lines.join('\n'), blocks };
}

/** Escapes the three characters Slack mrkdwn treats as control characters. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function code(text: string): string {
  return `\`${escapeMrkdwn(text.replace(/`/g, "'"))}\``;
}

function field(label: string, value: string): string {
  return `*${label}*\n${value}`;
}

function mrkdwn(text: string): { type: 'mrkdwn'; text: string } {
  return { type: 'mrkdwn', text };
}

function truncate(text: string): string {
  return clip(text, MAX_REASON_CHARS);
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
