/**
 * The example configs (config/dev.ts, config/prod.ts) against the poller and processor
 * programs: the programs run with the environment each config gives them, against an
 * in-memory S3 and a faked Batch, and every S3 call they make must be allowed by the
 * job role statements of the same config (and nothing the programs never do).
 */
import { BatchClient, SubmitJobCommand, type SubmitJobCommandInput } from '@aws-sdk/client-batch';
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  NotFound,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { loadEnvironmentConfig } from '../../config/load';
import { batchResourceName, type EnvironmentConfig } from '../../config/schema';
import { configFromEnv } from '../../jobs/poller/src/main';
import { poll } from '../../jobs/poller/src/poller';
import { run } from '../../jobs/processor/src/main';

type Statement = { actions: string[]; resources: string[] };
type Access = { action: string; arn: string };

const s3 = mockClient(S3Client);
const batch = mockClient(BatchClient);
/** bucket/key -> body */
const objects = new Map<string, string>();
/** Every S3 call, as the IAM action and resource it is authorised against. */
let accesses: Access[] = [];

const body = (text: string) => ({
  transformToString: async () => text,
  transformToByteArray: async () => new Uint8Array(Buffer.from(text)),
});

/** S3 answers 404 for a missing key only to a caller allowed s3:ListBucket; others get 403. */
function missing(bucket: string): void {
  accesses.push({ action: 's3:ListBucket', arn: `arn:aws:s3:::${bucket}` });
}

function fakeS3(): void {
  s3.on(ListObjectsV2Command).callsFake((input: { Bucket: string; Prefix?: string }) => {
    accesses.push({ action: 's3:ListBucket', arn: `arn:aws:s3:::${input.Bucket}` });
    const keys = [...objects.keys()]
      .filter((k) => k.startsWith(`${input.Bucket}/${input.Prefix ?? ''}`))
      .map((k) => k.slice(input.Bucket.length + 1));
    return { Contents: keys.map((Key) => ({ Key })), IsTruncated: false };
  });
  s3.on(GetObjectCommand).callsFake((input: { Bucket: string; Key: string }) => {
    accesses.push({ action: 's3:GetObject', arn: `arn:aws:s3:::${input.Bucket}/${input.Key}` });
    const text = objects.get(`${input.Bucket}/${input.Key}`);
    if (text === undefined) {
      missing(input.Bucket);
      throw new NoSuchKey({ message: 'NoSuchKey', $metadata: { httpStatusCode: 404 } });
    }
    return { Body: body(text) };
  });
  s3.on(HeadObjectCommand).callsFake((input: { Bucket: string; Key: string }) => {
    // HeadObject is authorised as s3:GetObject.
    accesses.push({ action: 's3:GetObject', arn: `arn:aws:s3:::${input.Bucket}/${input.Key}` });
    if (!objects.has(`${input.Bucket}/${input.Key}`)) {
      missing(input.Bucket);
      throw new NotFound({ message: 'NotFound', $metadata: { httpStatusCode: 404 } });
    }
    return {};
  });
  s3.on(PutObjectCommand).callsFake((input: { Bucket: string; Key: string; Body: string }) => {
    accesses.push({ action: 's3:PutObject', arn: `arn:aws:s3:::${input.Bucket}/${input.Key}` });
    objects.set(`${input.Bucket}/${input.Key}`, input.Body);
    return {};
  });
}

/** IAM's match of a resource pattern (`*` and `?` wildcards) against an ARN. */
function matches(pattern: string, arn: string): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${regex}$`).test(arn);
}

function allowed(statements: readonly Statement[], access: Access): boolean {
  return statements.some(
    (s) => s.actions.includes(access.action) && s.resources.some((r) => matches(r, access.arn)),
  );
}

function statementsOf(config: EnvironmentConfig, definition: string): Statement[] {
  return (config.jobDefinitions[definition]?.jobRolePolicyStatements ?? []) as Statement[];
}

beforeEach(() => {
  s3.reset();
  batch.reset();
  objects.clear();
  accesses = [];
  fakeS3();
});

describe.each(['dev', 'prod'])('the %s example config', (envName) => {
  const config = loadEnvironmentConfig(envName);
  const poller = config.jobDefinitions.poller!;
  const processor = config.jobDefinitions.processor!;

  it('gives the poller every setting its program requires', () => {
    const settings = configFromEnv({ ...poller.environment, AWS_BATCH_JOB_ID: 'job-1' });
    expect(settings).toMatchObject({
      inputBucket: `example-batch-orchestrator-${envName}-data`,
      manifestBucket: `example-batch-orchestrator-${envName}-data`,
      inputPrefix: 'incoming/',
      outputPrefix: 'processed/',
      manifestPrefix: 'manifests/',
      processorJobQueue: batchResourceName(envName, 'processor'),
      processorJobDefinition: batchResourceName(envName, 'processor'),
      runId: 'job-1',
    });
    // ... and may submit exactly that queue and definition (the infrastructure grants canSubmit).
    expect(poller.canSubmit).toEqual([{ jobQueue: 'processor', jobDefinition: 'processor' }]);
  });

  it('lets the poller and the processor make every S3 call of one run, and the poller pass the manifest per job', async () => {
    const settings = configFromEnv({ ...poller.environment, AWS_BATCH_JOB_ID: 'job-1' });
    const bucket = settings.inputBucket;
    objects.set(`${bucket}/incoming/a.csv`, 'a');
    objects.set(`${bucket}/incoming/b.csv`, 'b');
    objects.set(`${bucket}/incoming/c.csv`, 'c');
    objects.set(`${bucket}/processed/c.csv.json`, '{}');
    batch.on(SubmitJobCommand).resolves({ jobId: 'processor-job', jobName: 'processor' });

    // The poller's run.
    await poll({ s3: new S3Client({}), batch: new BatchClient({}) }, settings);
    const pollerAccesses = accesses;
    expect(pollerAccesses.filter((a) => !allowed(statementsOf(config, 'poller'), a))).toEqual([]);

    // The processor learns its manifest from the poller's containerOverrides, not from the config.
    const submit = batch.commandCalls(SubmitJobCommand)[0]?.args[0].input as SubmitJobCommandInput;
    const overrides = Object.fromEntries(
      (submit.containerOverrides?.environment ?? []).map((e) => [e.name, e.value]),
    );
    expect(overrides).toEqual({ MANIFEST_BUCKET: bucket, MANIFEST_KEY: 'manifests/job-1/part-0000.json' });
    expect(submit.arrayProperties).toEqual({ size: 2 });
    expect(Object.keys(processor.environment ?? {})).not.toContain('MANIFEST_KEY');

    // Each array child's run.
    accesses = [];
    for (const index of ['0', '1']) {
      await run(new S3Client({}), {
        ...processor.environment,
        ...overrides,
        AWS_BATCH_JOB_ARRAY_INDEX: index,
      });
    }
    expect(objects.has(`${bucket}/processed/a.csv.json`)).toBe(true);
    expect(objects.has(`${bucket}/processed/b.csv.json`)).toBe(true);
    expect(accesses.filter((a) => !allowed(statementsOf(config, 'processor'), a))).toEqual([]);
  });

  it.each([
    ['poller', { action: 's3:PutObject', arn: 'incoming/a.csv' }],
    ['poller', { action: 's3:PutObject', arn: 'processed/a.csv.json' }],
    ['poller', { action: 's3:GetObject', arn: 'incoming/a.csv' }],
    ['processor', { action: 's3:PutObject', arn: 'incoming/a.csv' }],
    ['processor', { action: 's3:PutObject', arn: 'manifests/job-1/part-0000.json' }],
    ['processor', { action: 's3:DeleteObject', arn: 'processed/a.csv.json' }],
  ])('does not let the %s do %o', (definition, access) => {
    const arn = `arn:aws:s3:::example-batch-orchestrator-${envName}-data/${access.arn}`;
    expect(allowed(statementsOf(config, definition), { action: access.action, arn })).toBe(false);
  });

  it('grants nothing outside the data bucket', () => {
    for (const definition of ['poller', 'processor']) {
      for (const resource of statementsOf(config, definition).flatMap((s) => s.resources)) {
        expect(resource).toMatch(new RegExp(`^arn:aws:s3:::example-batch-orchestrator-${envName}-data(/|$)`));
      }
    }
  });
});
