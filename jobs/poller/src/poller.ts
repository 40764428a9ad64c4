/**
 * Poller (SPEC "poller / processor"): finds pending work under an S3 prefix,
 * writes a manifest of the keys and submits processor jobs sized to it, or
 * nothing when there is no work.
 *
 * Batch array jobs have 2..10,000 children, so the work is split into parts
 * of at most 10,000 items, one manifest and one job per part; a part of one
 * item is submitted as a plain (non-array) job.
 *
 * Idempotent per run id (the poller's own Batch job id by default, stable
 * across its retries): a part whose `<manifest>.submitted.json` marker exists
 * is not submitted again.
 */
import { type BatchClient, SubmitJobCommand } from '@aws-sdk/client-batch';
import {
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';

/** Largest Batch array job. */
export const MAX_ARRAY_SIZE = 10_000;

/** What the processor reads (written to S3 as JSON). */
export interface Manifest {
  readonly version: 1;
  readonly runId: string;
  readonly part: number;
  readonly inputBucket: string;
  readonly inputPrefix: string;
  readonly outputBucket: string;
  readonly outputPrefix: string;
  readonly items: readonly string[];
}

/** Poller configuration (from the environment, see `main.ts`). */
export interface PollerConfig {
  readonly inputBucket: string;
  readonly inputPrefix: string;
  readonly outputPrefix: string;
  readonly manifestBucket: string;
  readonly manifestPrefix: string;
  readonly processorJobQueue: string;
  readonly processorJobDefinition: string;
  readonly runId: string;
}

/** One planned processor job. */
export interface PlannedJob {
  readonly part: number;
  readonly manifestKey: string;
  readonly items: readonly string[];
  /** Array size, or undefined for a single-item (non-array) job. */
  readonly arraySize?: number | undefined;
  readonly jobName: string;
}

/** Splits the work into jobs of at most `maxArraySize` items. Pure. */
export function planJobs(
  keys: readonly string[],
  options: { runId: string; manifestPrefix: string; maxArraySize?: number },
): PlannedJob[] {
  const size = options.maxArraySize ?? MAX_ARRAY_SIZE;
  if (!Number.isInteger(size) || size < 2 || size > MAX_ARRAY_SIZE) {
    throw new Error(`maxArraySize must be an integer 2..${MAX_ARRAY_SIZE}, received ${size}`);
  }
  const safeRun = sanitise(options.runId);
  const jobs: PlannedJob[] = [];
  for (let start = 0, part = 0; start < keys.length; start += size, part++) {
    const items = keys.slice(start, start + size);
    const suffix = String(part).padStart(4, '0');
    jobs.push({
      part,
      manifestKey: `${options.manifestPrefix}${safeRun}/part-${suffix}.json`,
      items,
      arraySize: items.length >= 2 ? items.length : undefined,
      jobName: `processor-${safeRun}-${suffix}`.slice(0, 128),
    });
  }
  return jobs;
}

/** Where the processor writes the result of `key`. Pure. */
export function outputKeyFor(key: string, inputPrefix: string, outputPrefix: string): string {
  const relative = key.startsWith(inputPrefix) ? key.slice(inputPrefix.length) : key;
  return `${outputPrefix}${relative}.json`;
}

/** Keys under `prefix` with no result yet under the output prefix, in S3 order. Reads every page. */
export async function listPendingKeys(
  s3: S3Client,
  config: Pick<PollerConfig, 'inputBucket' | 'inputPrefix' | 'outputPrefix'>,
): Promise<string[]> {
  const inputs = await listKeys(s3, config.inputBucket, config.inputPrefix);
  const done = new Set(await listKeys(s3, config.inputBucket, config.outputPrefix));
  return inputs.filter((key) => !done.has(outputKeyFor(key, config.inputPrefix, config.outputPrefix)));
}

/** All object keys under a prefix (every page), skipping folder placeholders. */
export async function listKeys(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    for (const object of page.Contents ?? []) {
      if (object.Key !== undefined && !object.Key.endsWith('/')) keys.push(object.Key);
    }
    token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
  return keys;
}

/** What one poller run did. */
export interface PollResult {
  readonly pending: number;
  readonly submitted: { jobName: string; jobId: string; items: number; arraySize?: number | undefined }[];
  readonly alreadySubmitted: number;
}

/** One poller run: list, plan, write manifests, submit. */
export async function poll(
  clients: { s3: S3Client; batch: BatchClient },
  config: PollerConfig,
): Promise<PollResult> {
  const pending = await listPendingKeys(clients.s3, config);
  const plan = planJobs(pending, { runId: config.runId, manifestPrefix: config.manifestPrefix });
  const submitted: PollResult['submitted'] = [];
  let alreadySubmitted = 0;
  for (const job of plan) {
    const markerKey = job.manifestKey.replace(/\.json$/, '.submitted.json');
    if (await exists(clients.s3, config.manifestBucket, markerKey)) {
      alreadySubmitted++;
      continue;
    }
    const manifest: Manifest = {
      version: 1,
      runId: config.runId,
      part: job.part,
      inputBucket: config.inputBucket,
      inputPrefix: config.inputPrefix,
      outputBucket: config.inputBucket,
      outputPrefix: config.outputPrefix,
      items: job.items,
    };
    await clients.s3.send(
      new PutObjectCommand({
        Bucket: config.manifestBucket,
        Key: job.manifestKey,
        Body: JSON.stringify(manifest),
        ContentType: 'application/json',
      }),
    );
    const { jobId = '' } = await clients.batch.send(
      new SubmitJobCommand({
        jobName: job.jobName,
        jobQueue: config.processorJobQueue,
        jobDefinition: config.processorJobDefinition,
        arrayProperties: job.arraySize !== undefined ? { size: job.arraySize } : undefined,
        containerOverrides: {
          environment: [
            { name: 'MANIFEST_BUCKET', value: config.manifestBucket },
            { name: 'MANIFEST_KEY', value: job.manifestKey },
          ],
        },
      }),
    );
    await clients.s3.send(
      new PutObjectCommand({
        Bucket: config.manifestBucket,
        Key: markerKey,
        Body: JSON.stringify({ jobId, jobName: job.jobName }),
        ContentType: 'application/json',
      }),
    );
    submitted.push({ jobName: job.jobName, jobId, items: job.items.length, arraySize: job.arraySize });
  }
  return { pending: pending.length, submitted, alreadySubmitted };
}

async function exists(s3: S3Client, bucket: string, key: string): Promise<boolean> {
  try {
    await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch (error) {
    if (error instanceof NoSuchKey || (error as { name?: string }).name === 'NoSuchKey') return false;
    throw error;
  }
}

function sanitise(value: string): string {
  return value.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 80);
}
