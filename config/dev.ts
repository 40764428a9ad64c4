/**
 * Development environment: the poller / processor pattern at small scale.
 *
 * - `poller`: a small on-demand Fargate queue; an hourly schedule runs the `poller` job, which
 *   finds work and submits `processor` jobs (often one array job).
 * - `processor`: EC2 Spot first, On-Demand as fallback, scaling to zero when idle.
 */
import { batchResourceName, type EnvironmentConfigInput } from './schema';

const name = 'dev';

/**
 * The poller / processor data: inputs under `incoming/`, one result per input under `processed/`,
 * the poller's manifests under `manifests/`. An example name: replace it with your bucket (S3
 * names are global); the job roles below may touch nothing else.
 */
const dataBucket = 'example-batch-orchestrator-dev-data';
const dataBucketArn = `arn:aws:s3:::${dataBucket}`;
const inputPrefix = 'incoming/';
const outputPrefix = 'processed/';
const manifestPrefix = 'manifests/';

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
      // What jobs/poller/src/main.ts reads. RUN_ID defaults to the poller's own Batch job id.
      environment: {
        INPUT_BUCKET: dataBucket,
        INPUT_PREFIX: inputPrefix,
        OUTPUT_PREFIX: outputPrefix,
        MANIFEST_BUCKET: dataBucket,
        MANIFEST_PREFIX: manifestPrefix,
        PROCESSOR_JOB_QUEUE: batchResourceName(name, 'processor'),
        PROCESSOR_JOB_DEFINITION: batchResourceName(name, 'processor'),
      },
      jobRolePolicyStatements: [
        // Lists the inputs and the results. On the whole bucket: statements here take no
        // conditions (no s3:prefix), and without ListBucket S3 answers 403 instead of 404 for
        // the missing "submitted" marker the poller checks before each submit.
        { actions: ['s3:ListBucket'], resources: [dataBucketArn] },
        // Writes a manifest and its marker per processor job, and reads markers back.
        { actions: ['s3:GetObject', 's3:PutObject'], resources: [`${dataBucketArn}/${manifestPrefix}*`] },
      ],
      timeoutSeconds: 900,
      canSubmit: [{ jobQueue: 'processor', jobDefinition: 'processor' }],
      logRetentionDays: 14,
    },
    processor: {
      image: { ecrRepository: 'processor', tag: '1.0.0' },
      platform: 'EC2',
      vcpus: 2,
      memoryMiB: 4096,
      // No static data settings: the poller passes MANIFEST_BUCKET and MANIFEST_KEY in each
      // SubmitJob's containerOverrides, and the manifest names the input and output locations.
      environment: { LOG_LEVEL: 'debug' },
      secrets: {
        DB_PASSWORD: { secretsManager: 'batch-orchestrator/dev/processor-db', field: 'password' },
        API_TOKEN: { ssmParameter: '/batch-orchestrator/dev/processor/api-token' },
      },
      jobRolePolicyStatements: [
        // The manifest it was given and the inputs it names.
        {
          actions: ['s3:GetObject'],
          resources: [`${dataBucketArn}/${manifestPrefix}*`, `${dataBucketArn}/${inputPrefix}*`],
        },
        // Its results; GetObject also backs the HeadObject "already done?" check.
        { actions: ['s3:GetObject', 's3:PutObject'], resources: [`${dataBucketArn}/${outputPrefix}*`] },
        // Without ListBucket, HeadObject of a result not written yet answers 403 instead of 404.
        { actions: ['s3:ListBucket'], resources: [dataBucketArn] },
      ],
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
