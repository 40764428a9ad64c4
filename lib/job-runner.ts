import * as path from 'node:path';
import { ArnFormat, CfnOutput, Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import type * as batch from 'aws-cdk-lib/aws-batch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { BATCH_TRANSIENT_ERROR_NAMES } from '../lambda/job-runner/shared/batch-api';
import { ALIASES_ENV, type NameAliases } from '../lambda/job-runner/shared/names';
import { DEFAULT_EVENT_FALLBACK_SECONDS } from '../lambda/shared/backoff';
import { EXECUTION_TAG_KEY } from '../lambda/shared/job-request';
import { HANDLER_ARCHITECTURE, HANDLER_RUNTIME, handlerBundling, handlerRole } from './lambda-defaults';

/** Lambda service errors worth retrying (the function never ran, or ran out of capacity). */
export const LAMBDA_SERVICE_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
  'Lambda.ClientExecutionTimeoutException',
] as const;

/**
 * Errors of a function that crashed or timed out (it may have done its work before).
 * Retried only on the idempotent Batch steps (Submit finds its job by the execution tag;
 * a status check and TerminateJob can simply run again), never surfaced on the first one.
 */
export const LAMBDA_CRASH_ERRORS = [
  'Sandbox.Timedout',
  'Runtime.ExitError',
  'Runtime.Unknown',
  'Lambda.Unknown',
] as const;

/** State names of the job runner (stable: tests, the benchmark and console users rely on them). */
export const JOB_RUNNER_STATES = {
  validate: 'Validate',
  routeRequest: 'RouteRequest',
  submit: 'Submit',
  wait: 'WaitForNextCheck',
  describe: 'Describe',
  waitForCompletion: 'WaitForCompletion',
  route: 'RouteOnStatus',
  isSubmitMode: 'IsSubmitMode',
  terminate: 'Terminate',
  classifyFailure: 'ClassifyFailure',
  classifyDeadline: 'ClassifyDeadline',
  classifyNotFound: 'ClassifyNotFound',
  classifyError: 'ClassifyError',
  succeeded: 'Succeeded',
  failed: 'Failed',
  classifierFailed: 'ClassifierFailed',
} as const;

/** How the job runner learns that a job finished. */
export type CompletionMode = 'poll' | 'events';

/** Batch statuses that wake a waiting execution (terminal only: any other change would cost transitions). */
export const WAKE_STATUSES = ['SUCCEEDED', 'FAILED'] as const;

/** Defaults applied to job requests that leave the polling and deadline fields out. */
export interface JobRequestDefaults {
  /** @default 30 */
  readonly pollIntervalSeconds?: number;
  /** @default max(300, pollIntervalSeconds) */
  readonly maxPollIntervalSeconds?: number;
  /** @default 86400 */
  readonly deadlineSeconds?: number;
}

/** Properties of {@link JobRunner}. */
export interface JobRunnerProps {
  /** The config environment name (`dev`, `prod`), used in descriptions. */
  readonly envName: string;
  /** The app's job queues by short name: the only queues Submit may submit to. */
  readonly jobQueues: Readonly<Record<string, batch.IJobQueue>>;
  /** The app's job definitions by short name: the only definitions Submit may submit (any revision). */
  readonly jobDefinitions: Readonly<Record<string, batch.IJobDefinition>>;
  /** The queue used when a job request names none; must be one of `jobQueues`. */
  readonly defaultJobQueue: batch.IJobQueue;
  /**
   * Retention of the state machine's and the functions' log groups.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Environment defaults for requests that omit polling or deadline fields.
   * @default - the SPEC defaults (30 s, max(300, poll), 86400 s)
   */
  readonly requestDefaults?: JobRequestDefaults;
  /**
   * Short names a job request may use for queues and job definitions (config name -> physical
   * name), e.g. `{ jobQueues: { processor: 'dev-processor' }, jobDefinitions: { ... } }`. Physical
   * names and ARNs always work.
   * @default - no short names
   */
  readonly nameAliases?: NameAliases;
  /**
   * What happens to the log groups when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly logRemovalPolicy?: RemovalPolicy;
  /**
   * How an execution learns that its job finished.
   * - `poll`: Wait -> Describe (one DescribeJobs) -> route, with the adaptive wait of the request.
   * - `events`: one callback wait (`WaitForCompletion`) woken by the job's own terminal
   *   "Batch Job State Change" event, with a status check every `eventFallbackSeconds` in
   *   case an event is lost. The request's poll fields are validated but not used.
   * @default 'poll'
   */
  readonly completion?: CompletionMode;
  /**
   * Events mode: the longest an execution waits without a status check, i.e. the most a lost
   * event can delay detection. 60..86400.
   * @default 3600
   */
  readonly eventFallbackSeconds?: number;
}

/** The job runner's Lambda functions. */
export interface JobRunnerFunctions {
  readonly validate: lambda.IFunction;
  readonly submit: lambda.IFunction;
  /** Poll mode only. */
  readonly describe?: lambda.IFunction;
  /** Events mode only: registers the wait and checks once. */
  readonly await?: lambda.IFunction;
  /** Events mode only: completes waits from the job's state-change event. */
  readonly wake?: lambda.IFunction;
  readonly classify: lambda.IFunction;
  readonly terminate: lambda.IFunction;
  readonly reaper: lambda.IFunction;
}

/**
 * The job runner: a Step Functions state machine (JSONPath) that submits a
 * Batch job (or attaches to one), polls it with a growing wait, and ends with
 * the SPEC output or a SPEC error and Cause; plus the reaper that terminates
 * the job of an execution that was stopped, timed out or failed.
 *
 * Poll mode: Validate -> RouteRequest -> (attach? Describe : Submit -> Wait)
 * -> Describe -> RouteOnStatus: WAIT -> Wait; SUCCEEDED -> Succeed; FAILED ->
 * Classify -> Fail; DEADLINE -> (submit mode: Terminate) -> Classify -> Fail;
 * NOT_FOUND -> Classify -> Fail.
 *
 * Events mode: Validate -> RouteRequest -> (Submit ->) WaitForCompletion ->
 * RouteOnStatus, where WaitForCompletion is one callback task completed by the
 * job's terminal event (Wake) or by its own status check (Await), and whose
 * timeout (the fallback interval) loops straight back to it: a fallback check
 * costs one state transition.
 *
 * Every Task retries Lambda service errors (Batch tasks also throttling / 5xx)
 * and catches everything else into Classify. Expected failures of Validate
 * (data) and Submit (a thrown contract error) cost no Choice on the success path.
 */
export class JobRunner extends Construct {
  /** The state machine. */
  public readonly stateMachine: sfn.StateMachine;
  /** The state machine's log group (level ALL). */
  public readonly logGroup: logs.ILogGroup;
  /** The handlers. */
  public readonly functions: JobRunnerFunctions;
  /** Where reaper events that could not be processed end up. */
  public readonly reaperDeadLetterQueue: sqs.IQueue;
  /** How executions learn that their job finished. */
  public readonly completion: CompletionMode;
  /** Events mode only: the registered waits and recorded job events (TTL). */
  public readonly waitTable?: dynamodb.ITable;
  /** Events mode only: the rule that sends terminal job events of the app's queues to Wake. */
  public readonly wakeRule?: events.IRule;

  constructor(scope: Construct, id: string, props: JobRunnerProps) {
    super(scope, id);
    validateProps(id, props);
    const stack = Stack.of(this);
    const retention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;
    const removalPolicy = props.logRemovalPolicy ?? RemovalPolicy.RETAIN;
    const defaultQueue = props.defaultJobQueue.jobQueueArn;
    const completion = props.completion ?? 'poll';
    this.completion = completion;
    const fallbackSeconds = props.eventFallbackSeconds ?? DEFAULT_EVENT_FALLBACK_SECONDS;

    const fn = (name: string, description: string, environment: Record<string, string> = {}) =>
      this.createFunction(name, description, environment, retention, removalPolicy);

    const aliasesEnv: Record<string, string> =
      props.nameAliases === undefined ? {} : { [ALIASES_ENV]: JSON.stringify(props.nameAliases) };
    const validateFn = fn('validate', 'Validates a job request and prepares the run', {
      ...requestDefaultsEnv(props),
      ...aliasesEnv,
    });
    const submitFn = fn('submit', 'Submits the Batch job of an execution, exactly once', {
      DEFAULT_JOB_QUEUE: defaultQueue,
    });
    const describeFn =
      completion === 'poll'
        ? fn('describe', 'One status check of the job: one DescribeJobs call')
        : undefined;
    let waitTable: dynamodb.Table | undefined;
    let awaitFn: nodejs.NodejsFunction | undefined;
    let wakeFn: nodejs.NodejsFunction | undefined;
    if (completion === 'events') {
      waitTable = new dynamodb.Table(this, 'WaitTable', {
        partitionKey: { name: 'jobId', type: dynamodb.AttributeType.STRING },
        billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
        timeToLiveAttribute: 'expiresAt',
        // Short-lived registrations and events: nothing worth keeping when the stack goes.
        removalPolicy: RemovalPolicy.DESTROY,
      });
      const tableEnv = { WAIT_TABLE_NAME: waitTable.tableName };
      awaitFn = fn('await', 'Registers an event wait and checks the job once (one DescribeJobs)', tableEnv);
      wakeFn = fn('wake', "Wakes the executions waiting for a job from the job's terminal event", tableEnv);
    }
    this.waitTable = waitTable;
    const classifyFn = fn('classify', 'Maps a failure to the SPEC error name and Cause');
    const terminateFn = fn('terminate', 'Terminates a job whose deadline passed');
    const reaperFn = fn('reaper', 'Terminates the job of a stopped, timed-out or failed execution', {
      DEFAULT_JOB_QUEUE: defaultQueue,
      ...aliasesEnv,
    });

    // --- permissions: each role only what its handler calls ---
    const jobArnPattern = stack.formatArn({
      service: 'batch',
      resource: 'job',
      resourceName: '*',
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    const queueArns = Object.values(props.jobQueues).map((q) => q.jobQueueArn);
    const definitionArns = Object.values(props.jobDefinitions).flatMap((d) => [
      stack.formatArn({ service: 'batch', resource: 'job-definition', resourceName: d.jobDefinitionName }),
      stack.formatArn({
        service: 'batch',
        resource: 'job-definition',
        resourceName: `${d.jobDefinitionName}:*`,
      }),
    ]);
    const readJobs = new iam.PolicyStatement({
      sid: 'ReadJobs',
      actions: ['batch:ListJobs', 'batch:DescribeJobs'],
      resources: ['*'],
    });
    submitFn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'SubmitToAppQueuesAndDefinitions',
        actions: ['batch:SubmitJob'],
        resources: [...queueArns, ...definitionArns],
      }),
    );
    submitFn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'TagJobsOnSubmit',
        actions: ['batch:TagResource'],
        resources: [jobArnPattern],
        conditions: { Null: { [`aws:RequestTag/${EXECUTION_TAG_KEY}`]: 'false' } },
      }),
    );
    submitFn.addToRolePolicy(readJobs);
    for (const f of [describeFn, awaitFn]) {
      f?.addToRolePolicy(
        new iam.PolicyStatement({ sid: 'DescribeJobs', actions: ['batch:DescribeJobs'], resources: ['*'] }),
      );
    }
    if (waitTable !== undefined) {
      for (const f of [awaitFn, wakeFn]) {
        f?.addToRolePolicy(
          new iam.PolicyStatement({
            sid: 'UpdateWaitItems',
            actions: ['dynamodb:UpdateItem'],
            resources: [waitTable.tableArn],
          }),
        );
      }
    }
    terminateFn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'TerminateAppJobs',
        actions: ['batch:TerminateJob'],
        resources: [jobArnPattern],
        conditions: { Null: { [`aws:ResourceTag/${EXECUTION_TAG_KEY}`]: 'false' } },
      }),
    );

    // --- state machine ---
    const S = JOB_RUNNER_STATES;
    const failed = new sfn.Fail(this, S.failed, { errorPath: '$.error', causePath: '$.cause' });
    const classifierFailed = new sfn.Fail(this, S.classifierFailed, {
      error: 'Batch.InfrastructureError',
      cause: JSON.stringify({
        reason: 'the job runner could not classify a failure (its Classify step failed)',
        classification: 'InfrastructureError',
        retryable: true,
      }),
    });

    const invoke = (
      stateName: string,
      handler: lambda.IFunction,
      payload: Record<string, unknown>,
      resultPath: string,
      comment: string,
    ) =>
      new tasks.LambdaInvoke(this, stateName, {
        lambdaFunction: handler,
        payload: sfn.TaskInput.fromObject(payload),
        payloadResponseOnly: true,
        retryOnServiceExceptions: false,
        // "$" is the default; left out because aws-local-stepfunctions mishandles an explicit "$".
        resultPath: resultPath === '$' ? undefined : resultPath,
        comment,
        taskTimeout: sfn.Timeout.duration(Duration.minutes(2)),
      });

    const classifyTask = (stateName: string, payload: Record<string, unknown>, comment: string) => {
      const task = invoke(stateName, classifyFn, payload, '$', comment);
      addLambdaRetry(task);
      task.addCatch(classifierFailed, { errors: ['States.ALL'], resultPath: '$.caught' });
      return task.next(failed);
    };
    const classifyError = classifyTask(
      S.classifyError,
      { kind: 'error', error: sfn.JsonPath.objectAt('$.caught') },
      'Turns any caught error into a SPEC error and contract Cause',
    );
    const classifyFailure = classifyTask(
      S.classifyFailure,
      { kind: 'job', job: sfn.JsonPath.objectAt('$.check.job') },
      'Classifies the FAILED job',
    );
    const classifyDeadline = classifyTask(
      S.classifyDeadline,
      {
        kind: 'deadline',
        job: sfn.JsonPath.objectAt('$.check.job'),
        mode: sfn.JsonPath.stringAt('$.run.mode'),
        deadlineSeconds: sfn.JsonPath.numberAt('$.run.deadlineSeconds'),
      },
      'Builds the Batch.DeadlineExceeded Cause',
    );
    const classifyNotFound = classifyTask(
      S.classifyNotFound,
      {
        kind: 'notFound',
        jobId: sfn.JsonPath.stringAt('$.job.jobId'),
        mode: sfn.JsonPath.stringAt('$.run.mode'),
      },
      'Builds the Batch.JobNotFound Cause',
    );

    const caught = (task: tasks.LambdaInvoke) =>
      task.addCatch(classifyError, { errors: ['States.ALL'], resultPath: '$.caught' });

    const validate = invoke(
      S.validate,
      validateFn,
      {
        request: sfn.JsonPath.entirePayload,
        execution: {
          id: sfn.JsonPath.executionId,
          name: sfn.JsonPath.executionName,
          startTime: sfn.JsonPath.executionStartTime,
        },
        completion: { mode: completion, fallbackSeconds },
      },
      '$',
      'Validates the job request; the request becomes $.run',
    );
    addLambdaRetry(validate);
    caught(validate);

    const submit = invoke(
      S.submit,
      submitFn,
      { run: sfn.JsonPath.objectAt('$.run') },
      '$.job',
      'Submits the job once (finds it by its execution tag when an earlier attempt did)',
    );
    addLambdaRetry(submit);
    addBatchRetry(submit);
    addCrashRetry(submit);
    caught(submit);

    const checkPayload = {
      run: sfn.JsonPath.objectAt('$.run'),
      job: sfn.JsonPath.objectAt('$.job'),
      poll: sfn.JsonPath.objectAt('$.check.poll'),
    };
    // The status check each mode enters: Describe (poll) or WaitForCompletion (events).
    let check: tasks.LambdaInvoke;
    if (describeFn !== undefined) {
      check = invoke(
        S.describe,
        describeFn,
        checkPayload,
        '$.check',
        'One DescribeJobs call; decides the next step and the next wait',
      );
    } else {
      check = new tasks.LambdaInvoke(this, S.waitForCompletion, {
        lambdaFunction: awaitFn!,
        integrationPattern: sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
        payload: sfn.TaskInput.fromObject({ taskToken: sfn.JsonPath.taskToken, ...checkPayload }),
        retryOnServiceExceptions: false,
        resultPath: '$.check',
        // The fallback interval, aligned on the deadline by Validate (eventWaitTimeoutSeconds).
        taskTimeout: sfn.Timeout.at('$.check.poll.delaySeconds'),
        comment:
          "Waits for the job's terminal event (Wake) or its own status check (Await); a timeout checks again",
      });
      // A lost event: the timeout goes straight back for a fresh registration and status check.
      check.addCatch(check, { errors: ['States.Timeout'], resultPath: sfn.JsonPath.DISCARD });
    }
    addLambdaRetry(check);
    addBatchRetry(check);
    addCrashRetry(check);
    caught(check);

    const terminate = invoke(
      S.terminate,
      terminateFn,
      {
        jobId: sfn.JsonPath.stringAt('$.job.jobId'),
        executionArn: sfn.JsonPath.stringAt('$.run.executionArn'),
      },
      '$.terminated',
      'Terminates the job whose deadline passed',
    );
    addLambdaRetry(terminate);
    addBatchRetry(terminate);
    addCrashRetry(terminate);
    caught(terminate);

    const wait = new sfn.Wait(this, S.wait, {
      time: sfn.WaitTime.secondsPath('$.check.poll.delaySeconds'),
      comment: 'Waits pollIntervalSeconds, growing toward maxPollIntervalSeconds, never past the deadline',
    });
    const succeeded = new sfn.Succeed(this, S.succeeded, { outputPath: '$.check.output' });

    const route = new sfn.Choice(this, S.route)
      .when(sfn.Condition.stringEquals('$.check.poll.next', 'SUCCEEDED'), succeeded)
      .when(sfn.Condition.stringEquals('$.check.poll.next', 'FAILED'), classifyFailure)
      .when(
        sfn.Condition.stringEquals('$.check.poll.next', 'DEADLINE'),
        new sfn.Choice(this, S.isSubmitMode)
          .when(sfn.Condition.stringEquals('$.run.mode', 'submit'), terminate.next(classifyDeadline))
          .otherwise(classifyDeadline),
      )
      .when(sfn.Condition.stringEquals('$.check.poll.next', 'NOT_FOUND'), classifyNotFound)
      .otherwise(completion === 'poll' ? wait : check);

    if (completion === 'poll') wait.next(check);
    check.next(route);

    // One Choice after Validate (not two), and Submit's rejections through its Catch (not a Choice):
    // each saves a transition on every execution, which events mode needs for <= 30 on a 24-h job.
    const definition = validate.next(
      new sfn.Choice(this, S.routeRequest)
        .when(sfn.Condition.booleanEquals('$.valid', false), failed)
        .when(sfn.Condition.stringEquals('$.run.mode', 'attach'), check)
        .otherwise(submit.next(completion === 'poll' ? wait : check)),
    );

    this.logGroup = new logs.LogGroup(this, 'StateMachineLogs', { retention, removalPolicy });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      stateMachineType: sfn.StateMachineType.STANDARD,
      comment: `batch-orchestrator job runner (${props.envName}): submit or attach, poll, classify`,
      tracingEnabled: true,
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
    });

    // --- reaper: no zombies ---
    const dlq = new sqs.Queue(this, 'ReaperDeadLetterQueue', {
      enforceSSL: true,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      retentionPeriod: Duration.days(14),
    });
    this.reaperDeadLetterQueue = dlq;
    reaperFn.addToRolePolicy(readJobs);
    reaperFn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'TerminateJobsOfThisStateMachine',
        actions: ['batch:TerminateJob'],
        resources: [jobArnPattern],
        conditions: {
          StringLike: {
            [`aws:ResourceTag/${EXECUTION_TAG_KEY}`]: stack.formatArn({
              service: 'states',
              resource: 'execution',
              resourceName: `${this.stateMachine.stateMachineName}:*`,
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );
    reaperFn.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      onFailure: new destinations.SqsDestination(dlq),
    });
    new events.Rule(this, 'ReaperRule', {
      description: `Terminates the Batch job of a job-runner execution that was aborted, timed out or failed (${props.envName})`,
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: {
          status: ['ABORTED', 'TIMED_OUT', 'FAILED'],
          stateMachineArn: [this.stateMachine.stateMachineArn],
        },
      },
      targets: [
        new targets.LambdaFunction(reaperFn, {
          deadLetterQueue: dlq,
          retryAttempts: 8,
          maxEventAge: Duration.hours(6),
        }),
      ],
    });

    // --- events mode: completing waits ---
    if (awaitFn !== undefined && wakeFn !== undefined) {
      // SendTaskSuccess is authorised against the state machine of the task (the CDK grant
      // `grantTaskResponse` scopes it the same way). A separate policy, not the roles' default
      // policies: Await is invoked by the state machine, so its function must not depend on it.
      new iam.Policy(this, 'CompleteWaitsPolicy', {
        statements: [
          new iam.PolicyStatement({
            sid: 'CompleteWaitsOfThisStateMachine',
            actions: ['states:SendTaskSuccess'],
            resources: [this.stateMachine.stateMachineArn],
          }),
        ],
        roles: [awaitFn.role!, wakeFn.role!],
      });
      this.wakeRule = new events.Rule(this, 'WakeRule', {
        description: `Wakes job-runner executions when their Batch job ends (${props.envName})`,
        eventPattern: {
          source: ['aws.batch'],
          detailType: ['Batch Job State Change'],
          detail: {
            status: [...WAKE_STATUSES],
            jobQueue: queueArns,
            // Children of an array job: nobody waits for them (only for the parent).
            arrayProperties: { index: [{ exists: false }] },
          },
        },
        targets: [new targets.LambdaFunction(wakeFn, { retryAttempts: 8, maxEventAge: Duration.hours(1) })],
      });
    }

    this.functions = {
      validate: validateFn,
      submit: submitFn,
      ...(describeFn ? { describe: describeFn } : {}),
      ...(awaitFn ? { await: awaitFn } : {}),
      ...(wakeFn ? { wake: wakeFn } : {}),
      classify: classifyFn,
      terminate: terminateFn,
      reaper: reaperFn,
    };

    const arnOutput = new CfnOutput(this, 'StateMachineArnOutput', {
      value: this.stateMachine.stateMachineArn,
      description: 'ARN of the job runner state machine (batchctl finds it through this output)',
    });
    arnOutput.overrideLogicalId('JobRunnerStateMachineArn');
    const nameOutput = new CfnOutput(this, 'StateMachineNameOutput', {
      value: this.stateMachine.stateMachineName,
      description: 'Name of the job runner state machine',
    });
    nameOutput.overrideLogicalId('JobRunnerStateMachineName');

    this.acknowledgeFindings(dlq, jobArnPattern);
  }

  private createFunction(
    name: string,
    description: string,
    environment: Record<string, string>,
    retention: logs.RetentionDays,
    removalPolicy: RemovalPolicy,
  ): nodejs.NodejsFunction {
    const id = name.charAt(0).toUpperCase() + name.slice(1);
    const logGroup = new logs.LogGroup(this, `${id}Logs`, { retention, removalPolicy });
    const role = handlerRole(this, `${id}Role`, logGroup, `job runner ${name} handler`);
    return new nodejs.NodejsFunction(this, `${id}Function`, {
      entry: path.join(__dirname, '..', 'lambda', 'job-runner', name, 'index.ts'),
      handler: 'handler',
      runtime: HANDLER_RUNTIME,
      architecture: HANDLER_ARCHITECTURE,
      memorySize: 256,
      timeout: Duration.seconds(60),
      description,
      role,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      tracing: lambda.Tracing.ACTIVE,
      environment: {
        POWERTOOLS_SERVICE_NAME: 'batch-orchestrator-job-runner',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        ...environment,
      },
      bundling: handlerBundling(),
    });
  }

  /** cdk-nag acknowledgements, each on the narrowest construct and exact finding. */
  private acknowledgeFindings(dlq: sqs.Queue, jobArnPattern: string): void {
    const stack = Stack.of(this);
    const fnArnWildcard = (f: lambda.IFunction) =>
      `AwsSolutions-IAM5[Resource::<${stack.getLogicalId((f.node.defaultChild as lambda.CfnFunction) ?? f)}.Arn>:*]`;
    for (const [name, f] of Object.entries(this.functions)) {
      const role = (f as nodejs.NodejsFunction).role;
      if (role === undefined) continue;
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          name === 'submit' || name === 'reaper'
            ? 'batch:ListJobs and batch:DescribeJobs (the execution-tag lookup) support no resource-level permissions (Service Authorization Reference: resource "*"); X-Ray PutTraceSegments/PutTelemetryRecords likewise require "*".'
            : name === 'describe' || name === 'await'
              ? 'batch:DescribeJobs supports no resource-level permissions (Service Authorization Reference: resource "*"); X-Ray PutTraceSegments/PutTelemetryRecords likewise require "*".'
              : 'X-Ray PutTraceSegments/PutTelemetryRecords (active tracing) support no resource-level permissions and require "*".',
      });
    }
    const jobWildcard = `AwsSolutions-IAM5[Resource::${nagResourceString(stack.resolve(jobArnPattern))}]`;
    for (const f of [this.functions.submit, this.functions.terminate, this.functions.reaper]) {
      const role = (f as nodejs.NodejsFunction).role;
      if (role === undefined) continue;
      Validations.of(role).acknowledge({
        id: jobWildcard,
        reason:
          "Batch job ids are generated at SubmitJob, so job ARNs cannot be named in advance; the statement is narrowed by a condition on this app's execution tag (aws:RequestTag for tag-on-create, aws:ResourceTag for TerminateJob).",
      });
    }
    const submitRole = (this.functions.submit as nodejs.NodejsFunction).role;
    if (submitRole !== undefined) {
      for (const finding of submitJobDefinitionFindings(submitRole)) {
        Validations.of(submitRole).acknowledge({
          id: finding,
          reason:
            "Any revision of this app's own job definitions (name:*) may be submitted: a release deploys a new revision, and the revision number is only known after deployment.",
        });
      }
    }
    const smRole = this.stateMachine.role;
    Validations.of(smRole).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Step Functions X-Ray tracing (xray:PutTraceSegments, PutTelemetryRecords, GetSamplingRules, GetSamplingTargets) and CloudWatch Logs delivery (logs:CreateLogDelivery, ...) support no resource-level permissions.',
    });
    for (const f of [
      this.functions.validate,
      this.functions.submit,
      this.functions.describe ?? this.functions.await!,
      this.functions.classify,
      this.functions.terminate,
    ]) {
      Validations.of(smRole).acknowledge({
        id: fnArnWildcard(f),
        reason:
          'lambda:InvokeFunction on "<function ARN>:*" covers the versions and aliases of this job runner\'s own function, as granted by the CDK LambdaInvoke task.',
      });
    }
    if (this.waitTable !== undefined) {
      Validations.of(this.waitTable).acknowledge({
        id: 'AwsSolutions-DDB3',
        reason:
          'The wait table holds only short-lived wait registrations and job events (TTL 2 days); losing them costs at most one fallback interval (the next status check re-registers), so point-in-time recovery would only keep copies of task tokens.',
      });
    }
    Validations.of(dlq).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself the dead-letter queue of the reaper; a dead-letter queue of a dead-letter queue adds nothing.',
    });
  }
}

/** `AwsSolutions-IAM5` finding ids of the `job-definition/<name>:*` resources of the Submit role. */
function submitJobDefinitionFindings(role: iam.IRole): string[] {
  const stack = Stack.of(role);
  const policy = (role as iam.Role).node.tryFindChild('DefaultPolicy') as iam.Policy | undefined;
  if (policy === undefined) return [];
  const resolved = stack.resolve(policy.document.toJSON()) as {
    Statement: { Resource?: unknown }[];
  };
  const out = new Set<string>();
  for (const statement of resolved.Statement) {
    const resources = Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
    for (const resource of resources) {
      const text = nagResourceString(resource);
      if (text?.includes('job-definition/') && text.endsWith(':*'))
        out.add(`AwsSolutions-IAM5[Resource::${text}]`);
    }
  }
  return [...out];
}

/** Renders a resource the way cdk-nag names it in a finding id (`<Logical.Attr>`, `<AWS::Region>`). */
function nagResourceString(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v.Ref === 'string') return `<${v.Ref}>`;
  if (Array.isArray(v['Fn::GetAtt'])) return `<${(v['Fn::GetAtt'] as string[]).join('.')}>`;
  if (Array.isArray(v['Fn::Join'])) {
    const [sep, parts] = v['Fn::Join'] as [string, unknown[]];
    return parts.map((p) => nagResourceString(p) ?? '').join(sep);
  }
  // Other intrinsics (e.g. Fn::Select of an imported name) appear as JSON in cdk-nag's finding ids.
  return JSON.stringify(value);
}

function addLambdaRetry(task: tasks.LambdaInvoke): void {
  task.addRetry({
    errors: [...LAMBDA_SERVICE_ERRORS],
    interval: Duration.seconds(1),
    backoffRate: 2,
    maxAttempts: 6,
    maxDelay: Duration.seconds(30),
    jitterStrategy: sfn.JitterType.FULL,
  });
}

function addBatchRetry(task: tasks.LambdaInvoke): void {
  task.addRetry({
    errors: [...BATCH_TRANSIENT_ERROR_NAMES],
    interval: Duration.seconds(2),
    backoffRate: 2,
    maxAttempts: 6,
    maxDelay: Duration.seconds(60),
    jitterStrategy: sfn.JitterType.FULL,
  });
}

function addCrashRetry(task: tasks.LambdaInvoke): void {
  task.addRetry({
    errors: [...LAMBDA_CRASH_ERRORS],
    // No jitter: a retried Submit must not look for its job before ListJobs can show it.
    interval: Duration.seconds(5),
    backoffRate: 2,
    maxAttempts: 2,
  });
}

function requestDefaultsEnv(props: JobRunnerProps): Record<string, string> {
  const d = props.requestDefaults ?? {};
  const env: Record<string, string> = {};
  if (d.pollIntervalSeconds !== undefined) env.DEFAULT_POLL_INTERVAL_SECONDS = String(d.pollIntervalSeconds);
  if (d.maxPollIntervalSeconds !== undefined)
    env.DEFAULT_MAX_POLL_INTERVAL_SECONDS = String(d.maxPollIntervalSeconds);
  if (d.deadlineSeconds !== undefined) env.DEFAULT_DEADLINE_SECONDS = String(d.deadlineSeconds);
  return env;
}

function validateProps(id: string, props: JobRunnerProps): void {
  if (!Object.values(props.jobQueues).includes(props.defaultJobQueue)) {
    throw new Error(
      `JobRunner ${id}: defaultJobQueue must be one of jobQueues (${Object.keys(props.jobQueues).join(', ') || 'none'})`,
    );
  }
  if (Object.keys(props.jobDefinitions).length === 0) {
    throw new Error(`JobRunner ${id}: jobDefinitions is empty; at least one job definition is required`);
  }
  const d = props.requestDefaults ?? {};
  const check = (name: keyof JobRequestDefaults, min: number, max: number) => {
    const value = d[name];
    if (value === undefined || Token.isUnresolved(value)) return;
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new Error(
        `JobRunner ${id}: requestDefaults.${name} must be an integer in ${min}..${max}, got ${value}`,
      );
    }
  };
  check('pollIntervalSeconds', 5, 3600);
  check('maxPollIntervalSeconds', 5, 3600);
  check('deadlineSeconds', 60, 31_449_600);
  const fallback = props.eventFallbackSeconds;
  if (fallback !== undefined && !Token.isUnresolved(fallback)) {
    if (!Number.isInteger(fallback) || fallback < 60 || fallback > 86_400) {
      throw new Error(
        `JobRunner ${id}: eventFallbackSeconds must be an integer in 60..86400, got ${fallback}`,
      );
    }
  }
  if (props.completion !== undefined && props.completion !== 'poll' && props.completion !== 'events') {
    throw new Error(
      `JobRunner ${id}: completion must be 'poll' or 'events', got ${String(props.completion)}`,
    );
  }
  const poll = d.pollIntervalSeconds ?? 30;
  if (d.maxPollIntervalSeconds !== undefined && d.maxPollIntervalSeconds < poll) {
    throw new Error(
      `JobRunner ${id}: requestDefaults.maxPollIntervalSeconds (${d.maxPollIntervalSeconds}) must be >= pollIntervalSeconds (${poll})`,
    );
  }
}
