/**
 * Production environment: the same poller / processor pattern as dev, sized up, with longer
 * log retention and a Slack webhook secret managed outside the stack.
 *
 * To run in an existing VPC instead of creating one, replace `network` with an import (ids
 * only: synth never looks anything up in the account):
 *
 * ```ts
 * network: {
 *   mode: 'import',
 *   vpcId: 'vpc-0a1b2c3d4e5f67890',
 *   availabilityZones: ['eu-west-1a', 'eu-west-1b'],
 *   subnetIds: ['subnet-0a1b2c3d4e5f67890', 'subnet-0f1e2d3c4b5a69780'],
 *   subnetType: 'private', // egress through the VPC's NAT or endpoints
 *   securityGroupIds: ['sg-0a1b2c3d4e5f67890'], // optional, e.g. to reach a database
 * },
 * ```
 */
import { pollerProcessorData } from './poller-processor';
import { batchResourceName, type EnvironmentConfigInput } from './schema';

const name = 'prod';

const data = pollerProcessorData(name);

export const prod: EnvironmentConfigInput = {
  name,
  tags: { Project: 'batch-orchestrator', Environment: name, CostCenter: 'data-platform' },
  // Two zones: an environment-agnostic stack knows only two. Set `region` and
  // `network.availabilityZones` to spread over more.
  network: { mode: 'create', cidr: '10.41.0.0/16', maxAzs: 2 },
  computeEnvironments: {
    poller: { type: 'FARGATE', maxvCpus: 8 },
    'processor-spot': {
      type: 'SPOT',
      maxvCpus: 512,
      instanceClasses: ['c6i', 'm6i', 'r6i', 'c5', 'm5', 'r5'],
      allocationStrategy: 'SPOT_PRICE_CAPACITY_OPTIMIZED',
      spotBidPercentage: 100,
    },
    'processor-ondemand': { type: 'EC2', maxvCpus: 128, instanceClasses: ['c6i', 'm6i', 'r6i'] },
  },
  jobQueues: {
    poller: { priority: 10, computeEnvironments: ['poller'], stuckRunnableTimeoutMinutes: 30 },
    processor: {
      priority: 1,
      computeEnvironments: ['processor-spot', 'processor-ondemand'],
      stuckRunnableTimeoutMinutes: 120,
    },
  },
  jobDefinitions: {
    poller: {
      image: { ecrRepository: 'poller', tag: '1.0.0' },
      platform: 'FARGATE',
      vcpus: 0.5,
      memoryMiB: 1024,
      environment: data.pollerEnvironment,
      jobRolePolicyStatements: data.pollerStatements,
      timeoutSeconds: 900,
      canSubmit: [{ jobQueue: 'processor', jobDefinition: 'processor' }],
      logRetentionDays: 90,
    },
    processor: {
      image: { ecrRepository: 'processor', tag: '1.0.0' },
      platform: 'EC2',
      vcpus: 4,
      memoryMiB: 8192,
      environment: { LOG_LEVEL: 'info' },
      secrets: {
        DB_PASSWORD: { secretsManager: 'batch-orchestrator/prod/processor-db', field: 'password' },
        API_TOKEN: { ssmParameter: '/batch-orchestrator/prod/processor/api-token' },
      },
      jobRolePolicyStatements: data.processorStatements,
      retry: { attempts: 5 },
      timeoutSeconds: 4 * 3600,
      logRetentionDays: 365,
    },
  },
  jobRunner: {
    defaultJobQueue: 'processor',
    completion: 'events',
    deadlineSeconds: 6 * 3600,
    logRetentionDays: 90,
  },
  notifications: {
    slack: { webhookSecretName: 'batch-orchestrator/prod/slack-webhook' },
    statuses: ['FAILED'],
  },
  schedules: [
    {
      name: 'poller-hourly',
      expression: 'rate(1 hour)',
      flexibleWindowMinutes: 5,
      request: {
        jobName: 'poller',
        jobDefinition: batchResourceName(name, 'poller'),
        jobQueue: batchResourceName(name, 'poller'),
      },
    },
  ],
};
