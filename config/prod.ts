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
import { batchResourceName, type EnvironmentConfigInput } from './schema';

const name = 'prod';

/**
 * The poller / processor data: inputs under `incoming/`, one result per input under `processed/`,
 * the poller's manifests under `manifests/`. An example name: replace it with your bucket (S3
 * names are global); the job roles below may touch nothing else.
 */
const dataBucket = 'example-batch-orchestrator-prod-data';
const dataBucketArn = `arn:aws:s3:::${dataBucket}`;
const inputPrefix = 'incoming/';
const outputPrefix = 'processed/';
const manifestPrefix = 'manifests/';

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
      logRetentionDays: 90,
    },
    processor: {
      image: { ecrRepository: 'processor', tag: '1.0.0' },
      platform: 'EC2',
      vcpus: 4,
      memoryMiB: 8192,
      // No static data settings: the poller passes MANIFEST_BUCKET and MANIFEST_KEY in each
      // SubmitJob's containerOverrides, and the manifest names the input and output locations.
      environment: { LOG_LEVEL: 'info' },
      secrets: {
        DB_PASSWORD: { secretsManager: 'batch-orchestrator/prod/processor-db', field: 'password' },
        API_TOKEN: { ssmParameter: '/batch-orchestrator/prod/processor/api-token' },
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
