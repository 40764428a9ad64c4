import {
  GetObjectCommand,
  HeadObjectCommand,
  NotFound,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { run } from '../../jobs/processor/src/main';
import {
  arrayIndexFrom,
  itemAt,
  type ProcessorManifest,
  processItem,
} from '../../jobs/processor/src/processor';

const s3 = mockClient(S3Client);
const manifest: ProcessorManifest = {
  version: 1,
  runId: 'job-1234',
  part: 0,
  inputBucket: 'data',
  inputPrefix: 'incoming/',
  outputBucket: 'data',
  outputPrefix: 'processed/',
  items: ['incoming/a.csv', 'incoming/b.csv'],
};
/** The two methods of the SDK's streaming body the processor uses. */
const body = (text: string) => ({
  transformToString: async () => text,
  transformToByteArray: async () => new Uint8Array(Buffer.from(text)),
});

beforeEach(() => {
  s3.reset();
  s3.on(HeadObjectCommand).rejects(new NotFound({ message: 'NotFound', $metadata: { httpStatusCode: 404 } }));
  s3.on(GetObjectCommand, { Key: 'incoming/b.csv' }).callsFake(() => ({ Body: body('hello') }));
  s3.on(PutObjectCommand).resolves({});
});

describe('arrayIndexFrom and itemAt', () => {
  it.each([
    [undefined, 0],
    ['', 0],
    ['0', 0],
    ['17', 17],
  ])('reads AWS_BATCH_JOB_ARRAY_INDEX %o as %i', (value, expected) => {
    expect(arrayIndexFrom(value)).toBe(expected);
  });

  it('rejects a malformed index and one outside the manifest', () => {
    expect(() => arrayIndexFrom('-1')).toThrow(/non-negative integer/);
    expect(() => itemAt(manifest, 2)).toThrow(/Array index 2 is outside the manifest \(2 item\(s\)\)/);
  });
});

describe('processItem', () => {
  it('writes the result of the item at the index, only if absent', async () => {
    const outcome = await processItem(new S3Client({}), manifest, 1);
    expect(outcome).toEqual({ status: 'written', item: 'incoming/b.csv', resultKey: 'processed/b.csv.json' });
    const put = s3.commandCalls(PutObjectCommand)[0]?.args[0].input;
    expect(put).toMatchObject({ Bucket: 'data', Key: 'processed/b.csv.json', IfNoneMatch: '*' });
    expect(JSON.parse(String(put?.Body))).toEqual({
      item: 'incoming/b.csv',
      bytes: 5,
      sha256: '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824',
      runId: 'job-1234',
    });
  });

  it('does nothing when the result already exists (retried child)', async () => {
    s3.on(HeadObjectCommand).resolves({});
    const outcome = await processItem(new S3Client({}), manifest, 1);
    expect(outcome.status).toBe('already-done');
    expect(s3).not.toHaveReceivedCommand(PutObjectCommand);
  });

  it('treats a lost If-None-Match race as done', async () => {
    s3.on(PutObjectCommand).rejects(
      new S3ServiceException({
        name: 'PreconditionFailed',
        $fault: 'client',
        message: 'At least one of the pre-conditions you specified did not hold',
        $metadata: { httpStatusCode: 412 },
      }),
    );
    expect((await processItem(new S3Client({}), manifest, 1)).status).toBe('already-done');
  });
});

describe('run', () => {
  it('reads the manifest named by the environment and defaults to index 0', async () => {
    s3.on(GetObjectCommand, { Key: 'manifests/job-1234/part-0000.json' }).callsFake(() => ({
      Body: body(JSON.stringify(manifest)),
    }));
    s3.on(GetObjectCommand, { Key: 'incoming/a.csv' }).callsFake(() => ({ Body: body('x') }));
    const outcome = await run(new S3Client({}), {
      MANIFEST_BUCKET: 'data',
      MANIFEST_KEY: 'manifests/job-1234/part-0000.json',
    });
    expect(outcome).toMatchObject({ status: 'written', item: 'incoming/a.csv' });
  });

  it('rejects an invalid manifest naming the field', async () => {
    s3.on(GetObjectCommand, { Key: 'm.json' }).callsFake(() => ({
      Body: body(JSON.stringify({ ...manifest, items: [] })),
    }));
    await expect(run(new S3Client({}), { MANIFEST_BUCKET: 'data', MANIFEST_KEY: 'm.json' })).rejects.toThrow(
      /items/,
    );
  });
});
