/**
 * Schedules: EventBridge Scheduler schedules that start the job runner with a
 * fixed job request (e.g. the poller every hour).
 *
 * One tick, one execution. The Scheduler delivers at least once and retries,
 * so every start of a tick must carry the same execution name: Step Functions
 * refuses a second execution under a name for 90 days. The name is derived
 * from the tick, `<schedule>-<scheduled time without ':'>`, e.g.
 * `poller-hourly-2026-11-20T030000Z`, by a small starter function
 * (`lambda/schedules/start-execution`) shared by all schedules:
 *
 *   Scheduler --(LambdaInvoke: { schedule, scheduledTime, request })--> starter --StartExecution--> job runner
 *
 * Why not `<aws.scheduler.execution-id>` in the name: AWS documents it as "the
 * unique ID that EventBridge Scheduler assigns for each attempted invocation
 * of a target", so a retried attempt (say, after a StartExecution that
 * succeeded but whose answer timed out) may get a new id and start a second
 * execution. Why not the templated Step Functions target or the universal
 * `aws-sdk:sfn:startExecution` target with `<aws.scheduler.scheduled-time>`:
 * the templated target sets no name at all, and the scheduled time
 * (`2026-11-20T03:00:00Z`) contains `:`, which execution names forbid, while
 * the Scheduler cannot transform a context attribute. Hence the function.
 *
 * Failures: the Scheduler invokes Lambda asynchronously. Its retry policy and
 * dead-letter queue cover the invocation (throttling, a missing permission);
 * the function's own asynchronous retries and on-failure destination cover a
 * StartExecution that fails. Both end in the same dead-letter queue, and every
 * retry reuses the tick's execution name.
 */
import * as path from 'node:path';
import { Duration, RemovalPolicy, Stack, TimeZone, Token, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { SCHEDULE_NAME_PATTERN } from '../lambda/schedules/start-execution/tick';
import { parseJobRequest } from '../lambda/shared/job-request';
import { HANDLER_ARCHITECTURE, HANDLER_RUNTIME, handlerBundling, handlerRole } from './lambda-defaults';

/** One schedule of the config. */
export interface ScheduleConfig {
  /** Unique within the app: 1-48 letters, digits, `.`, `_` or `-`; prefixes the execution names of its ticks. */
  readonly name: string;
  /**
   * `rate(1 hour)`, `cron(0 * * * ? *)` or `at(2026-01-01T00:00:00)`.
   * @default DEFAULT_SCHEDULE_EXPRESSION (`rate(1 hour)`: SPEC "hourly by default")
   */
  readonly expression?: string;
  /**
   * IANA time zone the expression is evaluated in.
   * @default 'UTC'
   */
  readonly timezone?: string;
  /**
   * Let the Scheduler start up to this many minutes late to spread load (0-1440; 0 = on time).
   * The execution name keeps the nominal scheduled time.
   * @default 0
   */
  readonly flexibleWindowMinutes?: number;
  /**
   * Whether the schedule runs.
   * @default true
   */
  readonly enabled?: boolean;
  /** The job request (SPEC "Job request") the execution starts with; validated at synth. */
  readonly request: unknown;
  /**
   * Shown in the console.
   * @default - generated from the name and expression
   */
  readonly description?: string;
}

/** Properties of {@link Schedules}. */
export interface SchedulesProps {
  /** Config environment name; prefixes the schedule names. */
  readonly envName: string;
  /** The job runner to start. */
  readonly stateMachine: sfn.IStateMachine;
  /** The schedules; may be empty (then nothing is created). */
  readonly schedules: readonly ScheduleConfig[];
  /**
   * Scheduler retries of a failed invocation of the starter (0-185).
   * @default 5
   */
  readonly retryAttempts?: number;
  /**
   * How long a tick may be retried (by the Scheduler, then by Lambda) before it goes to the
   * dead-letter queue (1 minute to 6 hours, Lambda's limit for asynchronous events).
   * @default Duration.hours(1)
   */
  readonly maxEventAge?: Duration;
  /**
   * Retention of the starter's log group.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
}

/** Context attribute the Scheduler replaces with the tick's time, e.g. `2026-11-20T03:00:00Z`. */
export const SCHEDULED_TIME_ATTRIBUTE = scheduler.ContextAttribute.scheduledTime;

/** A schedule without an expression runs hourly (SPEC). */
export const DEFAULT_SCHEDULE_EXPRESSION = 'rate(1 hour)';

/** Lambda retries a failed asynchronous invocation at most twice. */
const STARTER_ASYNC_RETRIES = 2;
const EXPRESSION_PATTERN = /^(rate|cron|at)\(.+\)$/;

/** One EventBridge Scheduler schedule per config entry, each starting the job runner through the starter. */
export class Schedules extends Construct {
  /** The schedules by config name. */
  public readonly schedules: Readonly<Record<string, scheduler.Schedule>>;
  /**
   * Ticks that could not start an execution after the retries (Scheduler invocation failures and
   * starter failures).
   * @default - undefined when there is no schedule
   */
  public readonly deadLetterQueue?: sqs.Queue;
  /**
   * The role the Scheduler assumes: invoke the starter and write to the DLQ, nothing else.
   * @default - undefined when there is no schedule
   */
  public readonly role?: iam.Role;
  /**
   * The function that names and starts each tick's execution; shared by all schedules.
   * @default - undefined when there is no schedule
   */
  public readonly starter?: nodejs.NodejsFunction;

  constructor(scope: Construct, id: string, props: SchedulesProps) {
    super(scope, id);
    validateSchedules(id, props);
    this.schedules = {};
    if (props.schedules.length === 0) return;

    const maxEventAge = props.maxEventAge ?? Duration.hours(1);
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        "This queue IS the schedules' dead-letter queue (the Scheduler target's DeadLetterConfig and the starter's " +
        'on-failure destination); cdk-nag only recognises SQS redrive policies and Lambda DeadLetterConfig as DLQ usage.',
    });

    this.starter = this.createStarter(props, maxEventAge);

    this.role = new iam.Role(this, 'SchedulerRole', {
      description: `${props.envName}: EventBridge Scheduler invokes the schedule starter`,
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    });

    const created: Record<string, scheduler.Schedule> = {};
    for (const config of props.schedules) {
      const expression = config.expression ?? DEFAULT_SCHEDULE_EXPRESSION;
      const target = new schedulerTargets.LambdaInvoke(this.starter, {
        role: this.role,
        deadLetterQueue: this.deadLetterQueue,
        retryAttempts: props.retryAttempts ?? 5,
        maxEventAge,
        input: scheduler.ScheduleTargetInput.fromObject(tickInput(config)),
      });
      created[config.name] = new scheduler.Schedule(this, `Schedule-${config.name}`, {
        scheduleName: `${props.envName}-${config.name}`,
        description:
          config.description ?? `${props.envName}: start the job runner for ${config.name} (${expression})`,
        schedule: scheduler.ScheduleExpression.expression(expression, TimeZone.of(config.timezone ?? 'UTC')),
        target,
        enabled: config.enabled ?? true,
        timeWindow:
          config.flexibleWindowMinutes !== undefined && config.flexibleWindowMinutes > 0
            ? scheduler.TimeWindow.flexible(Duration.minutes(config.flexibleWindowMinutes))
            : scheduler.TimeWindow.off(),
      });
    }
    this.schedules = created;

    // LambdaInvoke grants lambda:InvokeFunction through grantInvoke: the function ARN and `<ARN>:*`.
    const starterLogicalId = Stack.of(this).getLogicalId(
      this.starter.node.defaultChild as lambda.CfnFunction,
    );
    Validations.of(this.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${starterLogicalId}.Arn>:*]`,
      reason:
        'lambda:InvokeFunction on "<starter ARN>:*" covers only the versions and aliases of this construct\'s own ' +
        'starter function, as granted by the CDK LambdaInvoke schedule target; the Scheduler invokes the unqualified ARN.',
    });
  }

  private createStarter(props: SchedulesProps, maxEventAge: Duration): nodejs.NodejsFunction {
    const logGroup = new logs.LogGroup(this, 'StarterLogs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = handlerRole(
      this,
      'StarterRole',
      logGroup,
      `${props.envName}: schedule starter (start the job runner, write its logs, send to its DLQ)`,
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'StartJobRunner',
        actions: ['states:StartExecution'],
        resources: [props.stateMachine.stateMachineArn],
      }),
    );
    const starter = new nodejs.NodejsFunction(this, 'StarterFunction', {
      description: `${props.envName}: starts the job runner once per schedule tick (execution named after the tick)`,
      entry: path.join(__dirname, '..', 'lambda', 'schedules', 'start-execution', 'index.ts'),
      handler: 'handler',
      runtime: HANDLER_RUNTIME,
      architecture: HANDLER_ARCHITECTURE,
      memorySize: 256,
      timeout: Duration.seconds(30),
      role,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      tracing: lambda.Tracing.ACTIVE,
      environment: {
        STATE_MACHINE_ARN: props.stateMachine.stateMachineArn,
        POWERTOOLS_SERVICE_NAME: 'batch-orchestrator-schedules',
        POWERTOOLS_LOG_LEVEL: 'INFO',
      },
      // The Scheduler invokes asynchronously: a failed start is retried by Lambda, then dead-lettered.
      retryAttempts: STARTER_ASYNC_RETRIES,
      maxEventAge,
      onFailure: new destinations.SqsDestination(this.deadLetterQueue as sqs.Queue),
      bundling: handlerBundling(),
    });
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'X-Ray PutTraceSegments/PutTelemetryRecords (active tracing) support no resource-level permissions and require "*".',
    });
    return starter;
  }
}

/**
 * What a schedule sends the starter: its name, the tick (`<aws.scheduler.scheduled-time>`, which
 * the Scheduler fills in at each invocation) and the fixed job request.
 */
export function tickInput(config: ScheduleConfig): {
  schedule: string;
  scheduledTime: string;
  request: unknown;
} {
  return { schedule: config.name, scheduledTime: SCHEDULED_TIME_ATTRIBUTE, request: config.request };
}

function validateSchedules(id: string, props: SchedulesProps): void {
  if (props.envName.trim() === '') throw new Error(`Schedules ${id}: envName must not be empty`);
  const seen = new Set<string>();
  for (const [index, config] of props.schedules.entries()) {
    const where = `Schedules ${id}: schedule ${JSON.stringify(config.name)} (index ${index})`;
    if (!SCHEDULE_NAME_PATTERN.test(config.name)) {
      throw new Error(`${where}: name must be 1-48 letters, digits, ".", "_" or "-"`);
    }
    if (seen.has(config.name)) throw new Error(`${where}: duplicate schedule name`);
    seen.add(config.name);
    if (`${props.envName}-${config.name}`.length > 64) {
      throw new Error(
        `${where}: "${props.envName}-${config.name}" exceeds the Scheduler's 64-character name limit`,
      );
    }
    if (
      config.expression !== undefined &&
      !Token.isUnresolved(config.expression) &&
      !EXPRESSION_PATTERN.test(config.expression.trim())
    ) {
      throw new Error(
        `${where}: expression ${JSON.stringify(config.expression)} must be rate(...), cron(...) or at(...)`,
      );
    }
    if (config.timezone !== undefined && !isTimeZone(config.timezone)) {
      throw new Error(`${where}: timezone ${JSON.stringify(config.timezone)} is not an IANA time zone`);
    }
    const window = config.flexibleWindowMinutes;
    if (window !== undefined && (!Number.isInteger(window) || window < 0 || window > 1440)) {
      throw new Error(`${where}: flexibleWindowMinutes must be an integer 0..1440, received ${window}`);
    }
    const parsed = parseJobRequest(config.request);
    if (!parsed.ok) {
      const fields = parsed.cause.fields
        .map((f) => `${f.path}: ${f.message} (received ${JSON.stringify(f.received)})`)
        .join('; ');
      throw new Error(`${where}: invalid job request: ${fields}`);
    }
  }
  const retries = props.retryAttempts;
  if (retries !== undefined && (!Number.isInteger(retries) || retries < 0 || retries > 185)) {
    throw new Error(`Schedules ${id}: retryAttempts must be an integer 0..185, received ${retries}`);
  }
  const age = props.maxEventAge;
  if (age !== undefined && !Token.isUnresolved(age.toSeconds())) {
    const seconds = age.toSeconds();
    if (seconds < 60 || seconds > 21_600) {
      throw new Error(
        `Schedules ${id}: maxEventAge must be 60 seconds to 6 hours (Lambda's limit for asynchronous events), received ${seconds} seconds`,
      );
    }
  }
}

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
