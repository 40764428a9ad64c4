/**
 * Processor: handles the manifest item at `AWS_BATCH_JOB_ARRAY_INDEX` (0 for a
 * non-array job). The example work is a checksum of the input object, written
 * as `<output prefix><relative key>.json`.
 *
 * Idempotent: an existing result is left alone, and the result is written
 * with `If-None-Match: *`, so a retried or duplicated child never overwrites
 * or duplicates it.
 */
import { createHash } from 'node:crypto';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';

const manifestSchema = z.object({
  version: z.literal(1),
  runId: z.string(),
  part: z.number().int().min(0),
  inputBucket: z.string().min(1),
  inputPrefix: z.string(),
  outputBucket: z.string().min(1),
  outputPrefix: z.string(),
  items: z.array(z.string().min(1)).min(1),
});

/** The manifest the poller wrote. */
export type ProcessorManifest = z.infer<typeof manifestSchema>;

/** Reads and validates the manifest. */
export async function readManifest(s3: S3Client, bucket: string, key: string): Promise<ProcessorManifest> {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const text = (await object.Body?.transformToString('utf8')) ?? '';
  const parsed = manifestSchema.safeParse(JSON.parse(text));
  if (!parsed.success) {
    throw new Error(
      `Manifest s3://${bucket}/${key} is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  return parsed.data;
}

/** `AWS_BATCH_JOB_ARRAY_INDEX` as an index (default 0). Pure. */
export function arrayIndexFrom(value: string | undefined): number {
  if (value === undefined || value === '') return 0;
  if (!/^\d+$/.test(value))
    throw new Error(
      `AWS_BATCH_JOB_ARRAY_INDEX must be a non-negative integer, received ${JSON.stringify(value)}`,
    );
  return Number(value);
}

/** The item this child handles. Pure. */
export function itemAt(manifest: ProcessorManifest, index: number): string {
  const item = manifest.items[index];
  if (item === undefined) {
    throw new Error(`Array index ${index} is outside the manifest (${manifest.items.length} item(s))`);
  }
  return item;
}

/** Result key for an input key: same layout as the poller's `outputKeyFor`. Pure. */
export function resultKey(manifest: ProcessorManifest, item: string): string {
  const { inputPrefix } = manifest;
  const relative = item.startsWith(inputPrefix) ? item.slice(inputPrefix.length) : item;
  return `${manifest.outputPrefix}${relative}.json`;
}

/** Outcome of one item. */
export type ItemOutcome = { status: 'written' | 'already-done'; item: string; resultKey: string };

/** Processes one item idempotently. */
export async function processItem(
  s3: S3Client,
  manifest: ProcessorManifest,
  index: number,
): Promise<ItemOutcome> {
  const item = itemAt(manifest, index);
  const key = resultKey(manifest, item);
  if (await exists(s3, manifest.outputBucket, key)) return { status: 'already-done', item, resultKey: key };
  const input = await s3.send(new GetObjectCommand({ Bucket: manifest.inputBucket, Key: item }));
  const bytes = (await input.Body?.transformToByteArray()) ?? new Uint8Array();
  const result = {
    item,
    bytes: bytes.byteLength,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    runId: manifest.runId,
  };
  try {
    await s3.send(
      new PutObjectCommand({
        Bucket: manifest.outputBucket,
        Key: key,
        Body: JSON.stringify(result),
        ContentType: 'application/json',
        IfNoneMatch: '*',
      }),
    );
  } catch (error) {
    // Another attempt wrote it first: the result exists, which is all we want.
    if (
      (error as { name?: string }).name === 'PreconditionFailed' ||
      (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 412
    ) {
      return { status: 'already-done', item, resultKey: key };
    }
    throw error;
  }
  return { status: 'written', item, resultKey: key };
}

async function exists(s3: S3Client, bucket: string, key: string): Promise<boolean> {
  try {
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name === 'NotFound' || name === 'NoSuchKey') return false;
    throw error;
  }
}
