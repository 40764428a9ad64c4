import { BatchClient, SubmitJobCommand } from '@aws-sdk/client-batch';
import {
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { configFromEnv } from '../../jobs/poller/src/main';
import { listPendingKeys, type PollerConfig, planJobs, poll } from '../../jobs/poller/src/poller';

const s3 = mockClient(S3Client);
const batch = mockClient(BatchClient);
const config: PollerConfig = {
  inputBucket: 'data',
  inputPrefix: 'incoming/',
  outputPrefix: 'processed/',
  manifestBucket: 'data',
  manifestPrefix: 'manifests/',
  processorJobQueue: 'processor-spot',
  processorJobDefinition: 'processor',
  runId: 'job-1234',
};
const keys = (n: number, prefix = 'incoming/') => Array.from({ length: n }, (_, i) => `${prefix}f${i}.csv`);
const noSuchKey = () => new NoSuchKey({ message: 'NoSuchKey', $metadata: {} });

function listing(inputs: string[], outputs: string[] = [], pageSize = 1000) {
  s3.on(ListObjectsV2Command).callsFake((input: { Prefix: string; ContinuationToken?: string }) => {
    const all = input.Prefix === config.outputPrefix ? outputs : inputs;
    const start = Number(input.ContinuationToken ?? 0);
    const page = all.slice(start, start + pageSize);
    const next = start + pageSize < all.length ? String(start + pageSize) : undefined;
    return {
      Contents: page.map((Key) => ({ Key })),
      IsTruncated: next !== undefined,
      NextContinuationToken: next,
    };
  });
}

beforeEach(() => {
  s3.reset();
  batch.reset();
  s3.on(GetObjectCommand).rejects(noSuchKey());
  s3.on(PutObjectCommand).resolves({});
  batch
    .on(SubmitJobCommand)
    .callsFake((input: { jobName: string }) => ({ jobId: `id-${input.jobName}`, jobName: input.jobName }));
});

describe('planJobs', () => {
  it.each([
    [0, []],
    [1, [undefined]],
    [2, [2]],
    [10_000, [10_000]],
    [10_001, [10_000, undefined]],
    [25_000, [10_000, 10_000, 5_000]],
  ])('plans %i items as array sizes %o (undefined = a plain job)', (n, sizes) => {
    const plan = planJobs(keys(n), { runId: 'r', manifestPrefix: 'manifests/' });
    expect(plan.map((j) => j.arraySize)).toEqual(sizes);
    expect(plan.reduce((sum, j) => sum + j.items.length, 0)).toBe(n);
  });

  it('names manifests and jobs after the run, with characters Batch accepts', () => {
    const [job] = planJobs(keys(3), { runId: '2026-11-20T03:00:00Z', manifestPrefix: 'manifests/' });
    expect(job?.manifestKey).toBe('manifests/2026-11-20T03-00-00Z/part-0000.json');
    expect(job?.jobName).toBe('processor-2026-11-20T03-00-00Z-0000');
    expect(job?.jobName).toMatch(/^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/);
  });
});

describe('listPendingKeys', () => {
  it('reads every page and skips folders and keys that already have a result', async () => {
    listing([...keys(2500), 'incoming/sub/'], ['processed/f1.csv.json', 'processed/f7.csv.json'], 1000);
    const pending = await listPendingKeys(new S3Client({}), config);
    expect(pending).toHaveLength(2498);
    expect(pending).not.toContain('incoming/f1.csv');
    expect(pending).not.toContain('incoming/sub/');
    expect(s3).toHaveReceivedCommandTimes(ListObjectsV2Command, 4);
  });
});

describe('poll', () => {
  const clients = () => ({ s3: new S3Client({}), batch: new BatchClient({}) });

  it('submits nothing when there is no work', async () => {
    listing([]);
    const result = await poll(clients(), config);
    expect(result).toEqual({ pending: 0, submitted: [], alreadySubmitted: 0 });
    expect(batch).not.toHaveReceivedCommand(SubmitJobCommand);
  });

  it('writes one manifest and submits one array job sized to the work', async () => {
    listing(keys(42));
    const result = await poll(clients(), config);
    expect(result.submitted).toEqual([
      { jobName: 'processor-job-1234-0000', jobId: 'id-processor-job-1234-0000', items: 42, arraySize: 42 },
    ]);
    expect(batch).toHaveReceivedCommandWith(SubmitJobCommand, {
      jobName: 'processor-job-1234-0000',
      jobQueue: 'processor-spot',
      jobDefinition: 'processor',
      arrayProperties: { size: 42 },
      containerOverrides: {
        environment: [
          { name: 'MANIFEST_BUCKET', value: 'data' },
          { name: 'MANIFEST_KEY', value: 'manifests/job-1234/part-0000.json' },
        ],
      },
    });
    const manifestPut = s3
      .commandCalls(PutObjectCommand)
      .find((c) => c.args[0].input.Key === 'manifests/job-1234/part-0000.json');
    const manifest = JSON.parse(String(manifestPut?.args[0].input.Body));
    expect(manifest).toMatchObject({
      version: 1,
      runId: 'job-1234',
      inputPrefix: 'incoming/',
      outputPrefix: 'processed/',
    });
    expect(manifest.items).toHaveLength(42);
  });

  it('submits a single item as a plain job (Batch arrays need at least 2)', async () => {
    listing(keys(1));
    await poll(clients(), config);
    const input = batch.commandCalls(SubmitJobCommand)[0]?.args[0].input;
    expect(input?.arrayProperties).toBeUndefined();
  });

  it('splits more than 10,000 items into several jobs', async () => {
    listing(keys(10_001), [], 1000);
    const result = await poll(clients(), config);
    expect(result.submitted.map((s) => s.arraySize)).toEqual([10_000, undefined]);
    expect(batch).toHaveReceivedCommandTimes(SubmitJobCommand, 2);
  });

  it('does not submit a part again when its run was already submitted (retried poller)', async () => {
    listing(keys(5));
    s3.on(GetObjectCommand, { Key: 'manifests/job-1234/part-0000.submitted.json' }).resolves({});
    const result = await poll(clients(), config);
    expect(result.alreadySubmitted).toBe(1);
    expect(batch).not.toHaveReceivedCommand(SubmitJobCommand);
  });
});

describe('configFromEnv', () => {
  it('reads the environment with defaults and the Batch job id as run id', () => {
    const c = configFromEnv({
      INPUT_BUCKET: 'data',
      INPUT_PREFIX: 'incoming/',
      PROCESSOR_JOB_QUEUE: 'q',
      PROCESSOR_JOB_DEFINITION: 'd',
      AWS_BATCH_JOB_ID: 'abc',
    });
    expect(c).toMatchObject({
      manifestBucket: 'data',
      manifestPrefix: 'manifests/',
      outputPrefix: 'processed/',
      runId: 'abc',
    });
  });

  it('names a missing variable', () => {
    expect(() => configFromEnv({ INPUT_BUCKET: 'data', INPUT_PREFIX: 'x/' })).toThrow(/PROCESSOR_JOB_QUEUE/);
  });
});
