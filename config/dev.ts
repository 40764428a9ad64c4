/**
 * Development environment: the poller / processor pattern at small scale.
 *
 * - `poller`: a small on-demand Fargate queue; an hourly schedule runs the `poller` job, which
 *   finds work and submits `processor` jobs (often one array job).
 * - `processor`: EC2 Spot first, On-Demand as fallback, scaling to zero when idle.
 */
import { pollerProcessorData } from './poller-processor';
import { batchResourceName, type EnvironmentConfigInput } from './schema';

const name = 'dev';

const data = pollerProcessorData(name);

export const dev: EnvironmentConfigInput = {
  name,
  tags: { Project: 'batch-orchestrator', Environment: name },
  network: { mode: 'create', cidr: '10.40.0.0/16', maxAzs: 2 },
  computeEnvironments: {
    poller: { type: 'FARGATE', maxvCpus: 4 },
    'processor-spot': {
      type: 'SPOT',
      maxvCpus: 64,
      // Several families give Spot more pools to choose from: fewer interruptions.
      instanceClasses: ['c6i', 'm6i', 'c5', 'm5'],
    },
    'processor-ondemand': { type: 'EC2', maxvCpus: 16, instanceClasses: ['c6i', 'm6i'] },
  },
  jobQueues: {
    poller: { priority: 10, computeEnvironments: ['poller'], stuckRunnableTimeoutMinutes: 30 },
    processor: {
      priority: 1,
      computeEnvironments: ['processor-spot', 'processor-ondemand'],
      stuckRunnableTimeoutMinutes: 60,
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
      logRetentionDays: 14,
    },
    processor: {
      image: { ecrRepository: 'processor', tag: '1.0.0' },
      platform: 'EC2',
      vcpus: 2,
      memoryMiB: 4096,
      environment: { LOG_LEVEL: 'debug' },
      secrets: {
        DB_PASSWORD: { secretsManager: 'batch-orchestrator/dev/processor-db', field: 'password' },
        API_TOKEN: { ssmParameter: '/batch-orchestrator/dev/processor/api-token' },
      },
      jobRolePolicyStatements: data.processorStatements,
      timeoutSeconds: 3600,
      logRetentionDays: 14,
    },
  },
  // Event wake-up: see the README's Cost section for how to choose.
  jobRunner: { defaultJobQueue: 'processor', completion: 'events' },
  notifications: { slack: {}, statuses: ['FAILED', 'SUCCEEDED'] },
  schedules: [
    {
      name: 'poller-hourly',
      expression: 'rate(1 hour)',
      request: {
        jobName: 'poller',
        jobDefinition: batchResourceName(name, 'poller'),
        jobQueue: batchResourceName(name, 'poller'),
      },
    },
  ],
};
