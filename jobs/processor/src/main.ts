/**
 * Processor container entry point. Environment (set by the poller's SubmitJob):
 * MANIFEST_BUCKET, MANIFEST_KEY; AWS_BATCH_JOB_ARRAY_INDEX (set by Batch for array children; default 0).
 */
import { S3Client } from '@aws-sdk/client-s3';
import { requireEnv } from '../../../lambda/shared/env';
import { arrayIndexFrom, processItem, readManifest } from './processor';

export async function run(s3: S3Client, env: NodeJS.ProcessEnv = process.env) {
  const manifest = await readManifest(
    s3,
    requireEnv('MANIFEST_BUCKET', env),
    requireEnv('MANIFEST_KEY', env),
  );
  return processItem(s3, manifest, arrayIndexFrom(env.AWS_BATCH_JOB_ARRAY_INDEX));
}

if (require.main === module) {
  run(new S3Client({}))
    .then((outcome) => console.log(JSON.stringify({ level: 'INFO', message: 'item processed', ...outcome })))
    .catch((error: unknown) => {
      console.error(JSON.stringify({ level: 'ERROR', message: 'item failed', error: String(error) }));
      process.exitCode = 1;
    });
}
