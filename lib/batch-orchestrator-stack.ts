import { Stack, type StackProps, Tags } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { EnvironmentConfig } from '../config/schema';
import { BatchInfrastructure } from './batch-infrastructure';
import { JobRunner } from './job-runner';
import { Notifications } from './notifications';
import { Schedules } from './schedules';

/** Properties of {@link BatchOrchestratorStack}. */
export interface BatchOrchestratorStackProps extends StackProps {
  /** The validated environment configuration (see `config/load.ts`). */
  readonly config: EnvironmentConfig;
}

/**
 * One environment of the platform (`BatchOrchestrator-<env>`). The stack only wires
 * constructs together; each part lives in its own construct under `lib/`.
 */
export class BatchOrchestratorStack extends Stack {
  /** Stack name for an environment: `BatchOrchestrator-<env>`. */
  static stackName(environmentName: string): string {
    return `BatchOrchestrator-${environmentName}`;
  }

  /** The validated configuration this stack was built from. */
  readonly config: EnvironmentConfig;
  /** Compute environments, job queues, job definitions, network, roles and log groups. */
  readonly infrastructure: BatchInfrastructure;
  /** The job runner state machine, its handlers and the reaper. */
  readonly jobRunner: JobRunner;
  /** Batch job state changes and failed executions, to Slack. */
  readonly notifications: Notifications;
  /** EventBridge Scheduler schedules that start the job runner. */
  readonly schedules: Schedules;

  constructor(scope: Construct, id: string, props: BatchOrchestratorStackProps) {
    super(scope, id, {
      description: `batch-orchestrator (${props.config.name}): AWS Batch compute, job runner, schedules and notifications`,
      ...props,
    });
    this.config = props.config;

    for (const [key, value] of Object.entries(props.config.tags ?? {})) {
      Tags.of(this).add(key, value);
    }

    this.infrastructure = new BatchInfrastructure(this, 'BatchInfrastructure', { config: props.config });

    const runner = props.config.jobRunner;
    this.jobRunner = new JobRunner(this, 'JobRunner', {
      envName: props.config.name,
      jobQueues: this.infrastructure.jobQueues,
      jobDefinitions: this.infrastructure.jobDefinitions,
      defaultJobQueue: this.infrastructure.jobQueues[runner.defaultJobQueue]!,
      logRetention: runner.logRetentionDays as logs.RetentionDays,
      completion: runner.completion,
      // Requests may name queues and definitions by their config names (`processor`).
      nameAliases: {
        jobQueues: Object.fromEntries(
          Object.keys(this.infrastructure.jobQueues).map((n) => [n, this.infrastructure.jobQueueName(n)]),
        ),
        jobDefinitions: Object.fromEntries(
          Object.keys(this.infrastructure.jobDefinitions).map((n) => [
            n,
            this.infrastructure.jobDefinitionName(n),
          ]),
        ),
      },
      requestDefaults: {
        pollIntervalSeconds: runner.pollIntervalSeconds,
        maxPollIntervalSeconds: runner.maxPollIntervalSeconds,
        deadlineSeconds: runner.deadlineSeconds,
      },
    });

    const infra = this.infrastructure;
    const notifications = props.config.notifications;
    this.notifications = new Notifications(this, 'Notifications', {
      envName: props.config.name,
      jobQueues: Object.values(infra.jobQueues),
      statuses: notifications.statuses,
      stateMachine: notifications.notifyExecutionFailures ? this.jobRunner.stateMachine : undefined,
      webhookSecretName: notifications.slack.webhookSecretName,
      logGroupsByJobDefinition: Object.fromEntries(
        Object.keys(infra.jobDefinitions).map((n) => [
          infra.jobDefinitionName(n),
          infra.logGroups[n]!.logGroupName,
        ]),
      ),
    });

    this.schedules = new Schedules(this, 'Schedules', {
      envName: props.config.name,
      stateMachine: this.jobRunner.stateMachine,
      schedules: props.config.schedules,
      logRetention: runner.logRetentionDays as logs.RetentionDays,
    });
  }
}
