/**
 * Poller container entry point. Environment:
 * INPUT_BUCKET, INPUT_PREFIX (required); OUTPUT_PREFIX (default `processed/`);
 * MANIFEST_BUCKET (default INPUT_BUCKET); MANIFEST_PREFIX (default `manifests/`);
 * PROCESSOR_JOB_QUEUE, PROCESSOR_JOB_DEFINITION (required);
 * RUN_ID (default: this Batch job's id, stable across its retries).
 */
import { BatchClient } from '@aws-sdk/client-batch';
import { S3Client } from '@aws-sdk/client-s3';
import { requireEnv } from '../../../lambda/shared/env';
import { type PollerConfig, poll } from './poller';

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): PollerConfig {
  const inputBucket = requireEnv('INPUT_BUCKET', env);
  return {
    inputBucket,
    inputPrefix: requireEnv('INPUT_PREFIX', env),
    outputPrefix: env.OUTPUT_PREFIX || 'processed/',
    manifestBucket: env.MANIFEST_BUCKET || inputBucket,
    manifestPrefix: env.MANIFEST_PREFIX || 'manifests/',
    processorJobQueue: requireEnv('PROCESSOR_JOB_QUEUE', env),
    processorJobDefinition: requireEnv('PROCESSOR_JOB_DEFINITION', env),
    runId: env.RUN_ID || env.AWS_BATCH_JOB_ID || new Date().toISOString(),
  };
}

if (require.main === module) {
  poll({ s3: new S3Client({}), batch: new BatchClient({}) }, configFromEnv())
    .then((result) => console.log(JSON.stringify({ level: 'INFO', message: 'poll done', ...result })))
    .catch((error: unknown) => {
      console.error(JSON.stringify({ level: 'ERROR', message: 'poll failed', error: String(error) }));
      process.exitCode = 1;
    });
}
