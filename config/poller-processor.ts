/**
 * The poller / processor example's data layout, shared by the environment files: inputs under
 * `incoming/`, one result per input under `processed/`, the poller's manifests under
 * `manifests/`, all in one bucket per environment. The job roles get exactly these prefixes.
 */
import { batchResourceName, type EnvironmentConfigInput } from './schema';

type JobDefinitionInput = EnvironmentConfigInput['jobDefinitions'][string];
type Statements = NonNullable<JobDefinitionInput['jobRolePolicyStatements']>;

/** What the poller and processor definitions of one environment need to reach their data. */
export interface PollerProcessorData {
  /** The poller's environment: what `jobs/poller/src/main.ts` reads. */
  readonly pollerEnvironment: Record<string, string>;
  readonly pollerStatements: Statements;
  readonly processorStatements: Statements;
}

/**
 * Settings for `environmentName`'s data bucket. The default name is an example: replace it with
 * your bucket (S3 names are global).
 */
export function pollerProcessorData(
  environmentName: string,
  dataBucket = `example-batch-orchestrator-${environmentName}-data`,
): PollerProcessorData {
  const bucketArn = `arn:aws:s3:::${dataBucket}`;
  const inputPrefix = 'incoming/';
  const outputPrefix = 'processed/';
  const manifestPrefix = 'manifests/';
  // ListBucket on the whole bucket: statements here take no conditions (no s3:prefix), and without
  // ListBucket S3 answers 403 instead of 404 for the missing keys both programs check for.
  const list = { actions: ['s3:ListBucket'], resources: [bucketArn] };
  return {
    // RUN_ID defaults to the poller's own Batch job id.
    pollerEnvironment: {
      INPUT_BUCKET: dataBucket,
      INPUT_PREFIX: inputPrefix,
      OUTPUT_PREFIX: outputPrefix,
      MANIFEST_BUCKET: dataBucket,
      MANIFEST_PREFIX: manifestPrefix,
      PROCESSOR_JOB_QUEUE: batchResourceName(environmentName, 'processor'),
      PROCESSOR_JOB_DEFINITION: batchResourceName(environmentName, 'processor'),
    },
    pollerStatements: [
      list,
      // Writes a manifest and its marker per processor job, and reads markers back.
      { actions: ['s3:GetObject', 's3:PutObject'], resources: [`${bucketArn}/${manifestPrefix}*`] },
    ],
    // The processor gets no static data settings: the poller passes MANIFEST_BUCKET and
    // MANIFEST_KEY in each SubmitJob's containerOverrides, and the manifest names the locations.
    processorStatements: [
      // The manifest it was given and the inputs it names.
      {
        actions: ['s3:GetObject'],
        resources: [`${bucketArn}/${manifestPrefix}*`, `${bucketArn}/${inputPrefix}*`],
      },
      // Its results; GetObject also backs the HeadObject "already done?" check.
      { actions: ['s3:GetObject', 's3:PutObject'], resources: [`${bucketArn}/${outputPrefix}*`] },
      list,
    ],
  };
}
