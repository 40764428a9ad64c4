/**
 * End to end: the real `batchctl` (node cli/bin/batchctl.js, CI=true, no TTY)
 * against the local fake of Batch, Step Functions, CloudWatch Logs, STS and
 * CloudFormation. Every documented exit code is produced here. Each test signs
 * with its own access key so tests run concurrently and read only their calls.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type FakeAwsServer,
  PROXY_PASSWORD,
  PROXY_USER,
  startFakeAwsServer,
} from '../support/fake-aws-server';

const ROOT = resolve(__dirname, '..', '..');
const BIN = join(ROOT, 'cli', 'bin', 'batchctl.js');
const STATE_MACHINE_ARN =
  'arn:aws:states:eu-west-1:123456789012:stateMachine:BatchOrchestrator-dev-JobRunner';

let server: FakeAwsServer;
let home: string;
let closedPort: number;

interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

interface CliOptions {
  /** Access key that signs the calls (selects the fake's behaviour, and the calls to look at). */
  readonly key?: string;
  /** Environment overrides; `undefined` removes a variable. */
  readonly env?: Record<string, string | undefined>;
  /** Called with all stdout so far (to send a signal at the right moment). */
  readonly onStdout?: (stdout: string, kill: (signal: NodeJS.Signals) => void) => void;
}

/** Runs the real CLI with a clean environment (no proxy or AWS settings from the host). */
function cli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: home,
    TMPDIR: process.env.TMPDIR ?? tmpdir(),
    CI: 'true',
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: options.key ?? 'AKIDDEFAULT',
    AWS_SECRET_ACCESS_KEY: 'test-secret',
    AWS_ENDPOINT_URL: server.url,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    // One CLI second = 10 ms: poll intervals and deadlines run 100x faster.
    BATCHCTL_SECOND_MS: '10',
  };
  for (const [k, v] of Object.entries(options.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      options.onStdout?.(stdout, (signal) => child.kill(signal));
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

/** The value of a `key: value` line of plain output. */
function field(stdout: string, key: string): string | undefined {
  const lines = stdout.split('\n').filter((l) => l.startsWith(`${key}: `));
  return lines[lines.length - 1]?.slice(key.length + 2);
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as { port: number };
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

beforeAll(async () => {
  server = await startFakeAwsServer({ maxLifetimeMs: 120_000 });
  home = mkdtempSync(join(tmpdir(), 'batchctl-home-'));
  closedPort = await freePort();
  server.addStack('BatchOrchestrator-dev', { JobRunnerStateMachineArn: STATE_MACHINE_ARN });
});

afterAll(async () => {
  await server?.close();
  if (home) rmSync(home, { recursive: true, force: true });
});

describe.concurrent('batchctl end to end', () => {
  it('prints help with every command (exit 0) and a usage error for a bad flag (exit 64)', async () => {
    const [help, bad, missing] = await Promise.all([
      cli(['--help']),
      cli(['status', 'x', '--bogus'], { key: 'K-badflag' }),
      cli([]),
    ]);
    expect(help.code).toBe(0);
    for (const command of ['submit', 'status', 'wait', 'terminate', 'logs', 'list', 'run', 'execution'])
      expect(help.stdout).toContain(`batchctl ${command}`);
    expect(bad.code).toBe(64);
    expect(bad.stderr).toContain("USAGE_ERROR: Unknown option '--bogus'");
    expect(server.callsBy('K-badflag')).toHaveLength(0);
    expect(missing.code).toBe(64);
  });

  it('submits a job from a request file with flags on top, printing the ARN, id and name (exit 0)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'batchctl-req-'));
    const file = join(dir, 'job.json');
    writeFileSync(
      file,
      JSON.stringify({
        jobName: 'from-file',
        jobDefinition: 'etl:2',
        jobQueue: 'file-queue',
        parameters: { day: '2024-01-01' },
        retryStrategy: { attempts: 2, evaluateOnExit: [{ onStatusReason: 'Host EC2*', action: 'RETRY' }] },
      }),
    );
    const key = 'K-submit';
    const result = await cli(
      [
        'submit',
        '--request',
        file,
        '--job-name',
        'submit-flags',
        '--job-queue',
        'cli-queue',
        '--parameter',
        'mode=full',
        '--attempts',
        '3',
        '--env',
        'LOG_LEVEL=debug',
        '--vcpus',
        '2',
        '--memory',
        '4096',
        '--timeout',
        '15m',
        '--tag',
        'team=data',
        '--',
        'python',
        'run.py',
      ],
      { key },
    );
    rmSync(dir, { recursive: true, force: true });
    expect(result.code).toBe(0);
    const jobId = field(result.stdout, 'jobId');
    expect(field(result.stdout, 'jobArn')).toBe(`arn:aws:batch:eu-west-1:123456789012:job/${jobId}`);
    expect(field(result.stdout, 'jobName')).toBe('submit-flags');
    const submits = server.callsBy(key).filter((c) => c.operation === 'submitjob');
    expect(submits).toHaveLength(1);
    expect(submits[0]!.body).toEqual({
      jobName: 'submit-flags',
      jobDefinition: 'etl:2',
      jobQueue: 'cli-queue',
      parameters: { day: '2024-01-01', mode: 'full' },
      retryStrategy: { attempts: 3, evaluateOnExit: [{ onStatusReason: 'Host EC2*', action: 'RETRY' }] },
      containerOverrides: {
        command: ['python', 'run.py'],
        environment: [{ name: 'LOG_LEVEL', value: 'debug' }],
        resourceRequirements: [
          { type: 'VCPU', value: '2' },
          { type: 'MEMORY', value: '4096' },
        ],
      },
      timeout: { attemptDurationSeconds: 900 },
      tags: { team: 'data' },
    });
  });

  it('rejects an invalid request (every bad field named) with exit 64 and sends nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'batchctl-bad-'));
    const bad = join(dir, 'bad.json');
    const notJson = join(dir, 'not.json');
    writeFileSync(
      bad,
      JSON.stringify({
        jobName: 'bad name!',
        jobQueue: 'q',
        retryStrategy: { attempts: '3' },
        colour: 'red',
      }),
    );
    writeFileSync(notJson, '{ "jobName": ');
    const key = 'K-invalid';
    const [invalid, unparsable, missing, flags, noQueue, run] = await Promise.all([
      cli(['submit', '--request', bad], { key }),
      cli(['submit', '--request', notJson], { key }),
      cli(['submit', '--request', join(dir, 'missing.json')], { key }),
      cli(['submit', '--job-name', 'ok', '--job-definition', 'd', '--job-queue', 'q', '--array-size', '1'], {
        key,
      }),
      cli(['submit', '--job-name', 'ok', '--job-definition', 'd'], { key }),
      cli(['run', '--request', bad, '--json'], { key }),
    ]);
    rmSync(dir, { recursive: true, force: true });
    for (const r of [invalid, unparsable, missing, flags, noQueue, run]) expect(r.code).toBe(64);
    expect(invalid.stderr).toContain('jobName: 1-128 characters');
    expect(invalid.stderr).toContain('(received: "bad name!")');
    expect(invalid.stderr).toContain('retryStrategy.attempts: expected an integer');
    expect(invalid.stderr).toContain('colour: unknown field');
    expect(invalid.stderr).toContain('jobDefinition: required unless jobId is given');
    expect(unparsable.stderr).toContain('invalid JSON');
    expect(missing.stderr).toContain('ENOENT');
    expect(flags.stderr).toContain('arrayProperties.size: expected an integer >= 2 (--array-size)');
    expect(noQueue.stderr).toContain('jobQueue: required by batchctl submit');
    expect(JSON.parse(run.stdout).error).toMatchObject({ exitCode: 64, label: 'USAGE_ERROR' });
    expect(server.callsBy(key)).toHaveLength(0);
  });

  it('submit --wait follows the job to SUCCEEDED (exit 0), also when it is not visible at first', async () => {
    server.scriptSubmit('wait-ok', {
      statuses: ['SUBMITTED', 'RUNNABLE', 'STARTING', 'RUNNING', 'SUCCEEDED'],
      invisibleFor: 2,
    });
    const args = ['submit', '--job-name', 'wait-ok', '--job-definition', 'd', '--job-queue', 'q', '--wait'];
    // The "not visible yet" grace is 60 CLI seconds: at 50 ms per second it outlasts a loaded CI machine.
    const env = { BATCHCTL_SECOND_MS: '50' };
    const [text, json] = await Promise.all([
      cli([...args, '--poll-interval', '5'], { key: 'K-wait-ok', env }),
      cli([...args, '--poll-interval', '5', '--json', '--full'], { key: 'K-wait-ok-json', env }),
    ]);
    expect({ code: text.code, stderr: text.stderr }).toEqual({ code: 0, stderr: '' });
    for (const status of ['SUBMITTED', 'RUNNABLE', 'STARTING', 'RUNNING', 'SUCCEEDED'])
      expect(text.stdout).toMatch(new RegExp(`^${status}\\s+elapsed`, 'm'));
    expect(field(text.stdout, 'status')).toBe('SUCCEEDED');
    expect(field(text.stdout, 'exitCode')).toBe('0');
    expect(field(text.stdout, 'logStreamName')).toMatch(/^d\/default\//);
    expect(json.code).toBe(0);
    const out = JSON.parse(json.stdout);
    expect(out).toMatchObject({ jobName: 'wait-ok', status: 'SUCCEEDED', exitCode: 0, polls: 7 });
    expect(out.jobInfo.container.logConfiguration.logDriver).toBe('awslogs');
  });

  it('submit --wait reports a failed job with its SPEC classification (exit 1)', async () => {
    server.scriptSubmit('wait-oom', {
      statuses: ['RUNNING', 'FAILED'],
      exitCode: 137,
      containerReason: 'OutOfMemoryError: Container killed due to memory usage',
    });
    const result = await cli(
      ['submit', '--job-name', 'wait-oom', '--job-definition', 'd', '--job-queue', 'q', '--wait'],
      { key: 'K-wait-oom' },
    );
    expect(result.code).toBe(1);
    expect(field(result.stdout, 'status')).toBe('FAILED');
    expect(field(result.stdout, 'exitCode')).toBe('137');
    expect(field(result.stdout, 'error')).toBe('Batch.OutOfMemory');
    expect(field(result.stdout, 'reason')).toBe('OutOfMemoryError: Container killed due to memory usage');
  });

  it('prints a Batch ClientException message (exit 1)', async () => {
    server.scriptSubmit('no-queue', {
      submitError: { status: 400, type: 'ClientException', message: 'Job queue nowhere does not exist' },
    });
    const result = await cli(
      ['submit', '--job-name', 'no-queue', '--job-definition', 'd', '--job-queue', 'nowhere'],
      { key: 'K-client' },
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('FAIL: ClientException: Job queue nowhere does not exist');
    expect(result.stdout).toBe('');
  });

  it('status exits with the default table (22-27, FAILED 1) and the kestra table', async () => {
    const table: [string, number, number][] = [
      ['RUNNING', 22, 2],
      ['STARTING', 23, 5],
      ['RUNNABLE', 24, 3],
      ['PENDING', 25, 4],
      ['SUBMITTED', 26, 6],
      ['SUCCEEDED', 27, 0],
      ['FAILED', 1, 1],
    ];
    const results = await Promise.all(
      table.map(async ([status, byDefault, kestra]) => {
        const id = server.addJob({ statuses: [status], jobName: `status-${status.toLowerCase()}` });
        const [d, k] = await Promise.all([
          cli(['status', id], { key: 'K-status' }),
          cli(['status', id, '--exit-codes', 'kestra'], { key: 'K-status' }),
        ]);
        return { status, byDefault, kestra, d, k };
      }),
    );
    for (const { status, byDefault, kestra, d, k } of results) {
      expect({ status, code: d.code }).toEqual({ status, code: byDefault });
      expect({ status, code: k.code }).toEqual({ status, code: kestra });
      expect(field(d.stdout, 'status')).toBe(status);
      expect(field(d.stdout, 'jobName')).toBe(`status-${status.toLowerCase()}`);
    }
  });

  it('status --full prints the full job information; an unknown job id is exit 1', async () => {
    const id = server.addJob({ statuses: ['FAILED'], exitCode: 2, jobName: 'full-info' });
    const [full, unknown] = await Promise.all([
      cli(['status', id, '--full'], { key: 'K-full' }),
      cli(['status', '00000000-0000-0000-0000-000000000000'], { key: 'K-full' }),
    ]);
    expect(full.code).toBe(1);
    const out = JSON.parse(full.stdout);
    expect(out).toMatchObject({ jobId: id, status: 'FAILED', exitCode: 2, error: 'Batch.JobFailed' });
    expect(out.jobInfo).toMatchObject({ jobId: id, retryStrategy: { attempts: 1 } });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('Job 00000000-0000-0000-0000-000000000000 was not found');
  });

  it('maps authentication (2) and authorization (3) errors, including a role that cannot be assumed', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'batchctl-empty-home-'));
    const id = server.addJob({ statuses: ['RUNNING'] });
    const [unrecognized, noCredentials, denied, roleDenied] = await Promise.all([
      cli(['status', id], { key: 'UNRECOGNIZED-1' }),
      cli(['status', id], {
        env: { AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined, HOME: empty },
      }),
      cli(['status', id], { key: 'DENIED-1' }),
      cli(['status', id, '--role-arn', 'arn:aws:iam::123456789012:role/denied'], { key: 'K-role-denied' }),
    ]);
    rmSync(empty, { recursive: true, force: true });
    expect(unrecognized.code).toBe(2);
    expect(unrecognized.stderr).toContain(
      'AUTHENTICATION_ERROR: Account cannot be authenticated. UnrecognizedClientException',
    );
    expect(noCredentials.code).toBe(2);
    expect(noCredentials.stderr).toContain('CredentialsProviderError');
    expect(denied.code).toBe(3);
    expect(denied.stderr).toContain('AUTHORIZATION_ERROR');
    expect(denied.stderr).toContain('AccessDeniedException');
    expect(roleDenied.code).toBe(3);
    expect(roleDenied.stderr).toContain('AccessDenied');
  });

  it('assumes --role-arn with external id and session name, then calls Batch with the role credentials', async () => {
    const id = server.addJob({ statuses: ['SUCCEEDED'] });
    const result = await cli(
      [
        'status',
        id,
        '--role-arn',
        'arn:aws:iam::123456789012:role/ops',
        '--external-id',
        'ext-42',
        '--role-session-name',
        'e2erole',
        '--role-duration-seconds',
        '900',
      ],
      { key: 'K-role' },
    );
    expect(result.code).toBe(27);
    const sts = server.callsBy('K-role');
    expect(sts).toHaveLength(1);
    expect(sts[0]).toMatchObject({
      service: 'sts',
      operation: 'AssumeRole',
      body: {
        RoleArn: 'arn:aws:iam::123456789012:role/ops',
        ExternalId: 'ext-42',
        RoleSessionName: 'e2erole',
        DurationSeconds: '900',
      },
    });
    expect(server.callsBy('ASIAe2erole').map((c) => c.operation)).toEqual(['describejobs']);
  });

  it('maps a refused connection to 10 and every proxy failure to 11; a good proxy works', async () => {
    const id = server.addJob({ statuses: ['RUNNING'] });
    const proxyUrl = `http://127.0.0.1:${server.port}`;
    const [refused, proxyClosed, proxy407, viaFlag, viaEnv] = await Promise.all([
      cli(['status', id, '--endpoint-url', `http://127.0.0.1:${closedPort}`, '--max-attempts', '2']),
      cli(['status', id, '--proxy', `http://127.0.0.1:${closedPort}`, '--max-attempts', '1']),
      cli(['status', id, '--proxy', proxyUrl, '--proxy-user', PROXY_USER, '--proxy-password', 'wrong']),
      cli(
        ['status', id, '--proxy', proxyUrl, '--proxy-user', PROXY_USER, '--proxy-password', PROXY_PASSWORD],
        {
          key: 'K-proxy-flag',
        },
      ),
      cli(['status', id], {
        key: 'K-proxy-env',
        env: { HTTPS_PROXY: `http://${PROXY_USER}:${PROXY_PASSWORD}@127.0.0.1:${server.port}` },
      }),
    ]);
    expect(refused.code).toBe(10);
    expect(refused.stderr).toContain('CONNECTION_ERROR: ECONNREFUSED');
    expect(proxyClosed.code).toBe(11);
    expect(proxyClosed.stderr).toContain(
      `ProxyConnectionError: Failed to connect to proxy URL http://127.0.0.1:${closedPort}/`,
    );
    expect(proxy407.code).toBe(11);
    expect(proxy407.stderr).toContain('407');
    expect(proxy407.stderr).not.toContain('wrong');
    expect(viaFlag.code).toBe(22);
    expect(viaEnv.code).toBe(22);
    expect(server.callsBy('K-proxy-flag')).toHaveLength(1);
    expect(server.callsBy('K-proxy-env')).toHaveLength(1);
    expect(server.proxyConnects.filter((c) => c.accepted).length).toBeGreaterThanOrEqual(2);
    expect(server.proxyConnects.some((c) => !c.accepted)).toBe(true);
  });

  it('maps a proxy that accepts the connection but never answers CONNECT to 11, not to a timeout (10)', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => {
      sockets.push(socket);
      socket.on('data', () => undefined);
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const { port } = silent.address() as { port: number };
    try {
      const started = Date.now();
      const result = await cli(['status', 'any-id', '--proxy', `http://127.0.0.1:${port}`], {
        key: 'K-proxy-silent',
      });
      expect(result.code).toBe(11);
      expect(result.stderr).toContain('no answer to CONNECT');
      // One attempt: the 10 s CONNECT limit, not five of them.
      expect(Date.now() - started).toBeLessThan(25_000);
      expect(server.callsBy('K-proxy-silent')).toHaveLength(0);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => silent.close(() => r()));
    }
  }, 35_000);

  it('--deadline terminates a job it submitted (exit 1); wait leaves a job it did not submit running', async () => {
    server.scriptSubmit('too-slow', { statuses: ['RUNNING'] });
    const existing = server.addJob({ statuses: ['RUNNING'], jobName: 'attached' });
    const [submitted, attached] = await Promise.all([
      cli(
        [
          'submit',
          '--job-name',
          'too-slow',
          '--job-definition',
          'd',
          '--job-queue',
          'q',
          '--wait',
          '--poll-interval',
          '5',
          '--deadline',
          '60',
        ],
        { key: 'K-deadline' },
      ),
      cli(['wait', existing, '--poll-interval', '5', '--deadline', '60'], { key: 'K-deadline-attach' }),
    ]);
    expect(submitted.code).toBe(1);
    expect(field(submitted.stdout, 'error')).toBe('Batch.DeadlineExceeded');
    expect(field(submitted.stdout, 'terminated')).toBe('true');
    const [job] = server.jobsNamed('too-slow');
    expect(job?.terminatedReason).toMatch(/^batch-orchestrator: deadline exceeded/);
    expect(attached.code).toBe(1);
    expect(attached.stderr).toContain('was left running');
    expect(server.callsBy('K-deadline-attach').some((c) => c.operation === 'terminatejob')).toBe(false);
    expect(server.jobStatus(existing)).toBe('RUNNING');
  });

  it('wait returns 0 for SUCCEEDED and 1 for FAILED or an unknown id', async () => {
    const good = server.addJob({ statuses: ['RUNNING', 'SUCCEEDED'] });
    const bad = server.addJob({ statuses: ['RUNNING', 'FAILED'], statusReason: 'Dependent Job failed' });
    const [ok, failed, unknown] = await Promise.all([
      cli(['wait', good, '--poll-interval', '5'], { key: 'K-wait' }),
      cli(['wait', bad, '--poll-interval', '5'], { key: 'K-wait' }),
      cli(['wait', 'no-such-job'], { key: 'K-wait' }),
    ]);
    expect(ok.code).toBe(0);
    expect(failed.code).toBe(1);
    expect(field(failed.stdout, 'error')).toBe('Batch.DependencyFailed');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no-such-job was not found');
  });

  it('Ctrl-C during --wait tells how to terminate, and terminates only with --terminate-on-interrupt (exit 130)', async () => {
    const keep = server.addJob({ statuses: ['RUNNING'] });
    const stop = server.addJob({ statuses: ['RUNNING'] });
    const interruptOnRunning = (stdout: string, kill: (s: NodeJS.Signals) => void) => {
      if (/^RUNNING/m.test(stdout)) kill('SIGINT');
    };
    const [kept, stopped] = await Promise.all([
      cli(['wait', keep], { key: 'K-int-keep', onStdout: interruptOnRunning }),
      cli(['wait', stop, '--terminate-on-interrupt'], { key: 'K-int-stop', onStdout: interruptOnRunning }),
    ]);
    expect(kept.code).toBe(130);
    expect(kept.stderr).toContain(`batchctl terminate ${keep} --reason`);
    expect(server.jobStatus(keep)).toBe('RUNNING');
    expect(stopped.code).toBe(130);
    expect(stopped.stderr).toContain('was terminated');
    expect(server.jobStatus(stop)).toBe('FAILED');
  });

  it('terminate records the reason (exit 0); an unknown id is exit 1', async () => {
    const id = server.addJob({ statuses: ['RUNNABLE'] });
    const [done, unknown] = await Promise.all([
      cli(['terminate', id, '--reason', 'superseded by a newer run'], { key: 'K-term' }),
      cli(['terminate', 'nope', '--reason', 'x'], { key: 'K-term-unknown' }),
    ]);
    expect(done.code).toBe(0);
    expect(field(done.stdout, 'terminated')).toBe('true');
    expect(server.callsBy('K-term').find((c) => c.operation === 'terminatejob')?.body).toEqual({
      jobId: id,
      reason: 'superseded by a newer run',
    });
    expect(unknown.code).toBe(1);
    expect(server.callsBy('K-term-unknown').map((c) => c.operation)).toEqual(['describejobs']);
  });

  it('list follows nextToken to the last page, for one status or all', async () => {
    const ids = Array.from({ length: 5 }, (_, i) =>
      server.addJob({ statuses: ['RUNNING'], jobQueue: 'list-queue', jobName: `list-${i}` }),
    );
    const failed = server.addJob({ statuses: ['FAILED'], jobQueue: 'list-queue', jobName: 'list-failed' });
    const [running, all] = await Promise.all([
      cli(['list', '--queue', 'list-queue', '--status', 'RUNNING'], { key: 'K-list' }),
      cli(['list', '--queue', 'list-queue', '--json'], { key: 'K-list-all' }),
    ]);
    expect(running.code).toBe(0);
    for (const id of ids) expect(running.stdout).toContain(id);
    expect(running.stdout).not.toContain(failed);
    expect(running.stdout).toContain('5 job(s)');
    expect(server.callsBy('K-list').filter((c) => c.operation === 'listjobs')).toHaveLength(3);
    expect(all.code).toBe(0);
    const out = JSON.parse(all.stdout);
    expect(out.count).toBe(6);
    expect(new Set(server.callsBy('K-list-all').map((c) => c.body.jobStatus)).size).toBe(7);
  });

  it('logs reads the latest attempt from the job definition log group, or the default group; --follow until done', async () => {
    const custom = server.addJob({ statuses: ['SUCCEEDED'], logGroup: '/custom/etl' });
    const plain = server.addJob({ statuses: ['RUNNING', 'RUNNING', 'SUCCEEDED'] });
    const lines = ['one', 'two', 'three', 'four', 'five'];
    server.putLogs('/custom/etl', `hello/default/${custom}`, lines);
    server.putLogs('/aws/batch/job', `hello/default/${plain}`, ['started', 'working', 'done']);
    const [customLogs, followed, notStarted] = await Promise.all([
      cli(['logs', custom], { key: 'K-logs' }),
      cli(['logs', plain, '--follow'], { key: 'K-logs-follow' }),
      cli(['logs', server.addJob({ statuses: ['RUNNABLE'] })], { key: 'K-logs-none' }),
    ]);
    expect(customLogs.code).toBe(0);
    expect(customLogs.stdout).toBe(`${lines.join('\n')}\n`);
    const reads = server.callsBy('K-logs').filter((c) => c.operation === 'GetLogEvents');
    expect(reads.every((c) => c.body.logGroupName === '/custom/etl')).toBe(true);
    expect(reads.length).toBe(4);
    expect(followed.code).toBe(0);
    expect(followed.stdout).toBe('started\nworking\ndone\n');
    expect(
      server.callsBy('K-logs-follow').find((c) => c.operation === 'GetLogEvents')?.body.logGroupName,
    ).toBe('/aws/batch/job');
    expect(notStarted.code).toBe(1);
    expect(notStarted.stderr).toContain('has no log stream yet (status RUNNABLE)');
  });

  it('retries HTTP 429 on reads (SDK adaptive mode) and on SubmitJob (once, no duplicate job)', async () => {
    const id = server.addJob({ statuses: ['RUNNING'], throttleDescribes: 2 });
    server.scriptSubmit('throttled-submit', { throttleSubmits: 2 });
    const [status, submitted] = await Promise.all([
      cli(['status', id], { key: 'K-429' }),
      cli(['submit', '--job-name', 'throttled-submit', '--job-definition', 'd', '--job-queue', 'q'], {
        key: 'K-429-submit',
      }),
    ]);
    expect(status.code).toBe(22);
    expect(server.callsBy('K-429').map((c) => c.status)).toEqual([429, 429, 200]);
    expect(submitted.code).toBe(0);
    expect(server.callsBy('K-429-submit').map((c) => c.status)).toEqual([429, 429, 200]);
    expect(server.jobsNamed('throttled-submit')).toHaveLength(1);
  });

  it('run finds the state machine in the stack outputs, waits, and prints the SPEC error and Cause (exit 1)', async () => {
    const cause = {
      jobId: 'j-1',
      jobName: 'run-oom',
      status: 'FAILED',
      exitCode: 137,
      classification: 'OutOfMemory',
      retryable: false,
    };
    server.scriptExecution('run-oom', {
      statuses: ['RUNNING', 'FAILED'],
      error: 'Batch.OutOfMemory',
      cause: JSON.stringify(cause),
    });
    server.scriptExecution('run-ok', {
      statuses: ['RUNNING', 'SUCCEEDED'],
      output: '{"status":"SUCCEEDED","exitCode":0}',
    });
    const [failed, succeeded] = await Promise.all([
      cli(['run', '--job-name', 'run-oom', '--job-definition', 'd', '--wait'], { key: 'K-run' }),
      cli(['run', '--env', 'dev', '--job-name', 'run-ok', '--job-definition', 'd', '--wait', '--json'], {
        key: 'K-run-ok',
      }),
    ]);
    expect(failed.code).toBe(1);
    expect(field(failed.stdout, 'status')).toBe('FAILED');
    expect(field(failed.stdout, 'error')).toBe('Batch.OutOfMemory');
    expect(JSON.parse(field(failed.stdout, 'cause') ?? '{}')).toEqual(cause);
    expect(server.callsBy('K-run').map((c) => c.operation)).toEqual([
      'DescribeStacks',
      'StartExecution',
      'DescribeExecution',
      'DescribeExecution',
    ]);
    const started = server.callsBy('K-run').find((c) => c.operation === 'StartExecution')!;
    expect(started.body.stateMachineArn).toBe(STATE_MACHINE_ARN);
    expect(JSON.parse(String(started.body.input))).toEqual({ jobName: 'run-oom', jobDefinition: 'd' });
    expect(succeeded.code).toBe(0);
    expect(JSON.parse(succeeded.stdout)).toMatchObject({ status: 'SUCCEEDED', output: { exitCode: 0 } });
  });

  it('run takes --state-machine by name (every page) or ARN; an unknown stack is exit 1', async () => {
    server.addStateMachine('other-machine');
    const arn = server.addStateMachine('named-runner');
    const [byName, byArn, noStack] = await Promise.all([
      cli(['run', '--state-machine', 'named-runner', '--job-id', 'abc', '--execution-name', 'attach-1'], {
        key: 'K-run-name',
      }),
      cli(['run', '--state-machine', arn, '--job-name', 'x', '--job-definition', 'd'], { key: 'K-run-arn' }),
      cli(['run', '--env', 'nowhere', '--job-name', 'x', '--job-definition', 'd'], { key: 'K-run-nostack' }),
    ]);
    expect(byName.code).toBe(0);
    expect(field(byName.stdout, 'executionArn')).toBe(
      `${arn.replace(':stateMachine:', ':execution:')}:attach-1`,
    );
    expect(
      server.callsBy('K-run-name').filter((c) => c.operation === 'ListStateMachines').length,
    ).toBeGreaterThan(1);
    expect(byArn.code).toBe(0);
    expect(server.callsBy('K-run-arn').map((c) => c.operation)).toEqual(['StartExecution']);
    expect(field(byArn.stdout, 'name')).toMatch(/^batchctl-x-\d{8}T\d{6}-[0-9a-f]{6}$/);
    expect(noStack.code).toBe(1);
    expect(noStack.stderr).toContain('Stack with id BatchOrchestrator-nowhere does not exist');
  });

  it('execution ARN shows status, error and cause; an unknown execution is exit 1', async () => {
    server.scriptExecution('inspect-me', {
      statuses: ['FAILED'],
      error: 'Batch.SpotInterrupted',
      cause: '{"classification":"SpotInterrupted","retryable":true}',
    });
    const started = await cli(
      ['run', '--state-machine', STATE_MACHINE_ARN, '--job-name', 'inspect-me', '--job-definition', 'd'],
      { key: 'K-exec' },
    );
    const arn = field(started.stdout, 'executionArn')!;
    const [shown, unknown] = await Promise.all([
      cli(['execution', arn, '--json'], { key: 'K-exec' }),
      cli(['execution', `${arn}-missing`], { key: 'K-exec' }),
    ]);
    expect(shown.code).toBe(1);
    expect(JSON.parse(shown.stdout)).toMatchObject({
      executionArn: arn,
      status: 'FAILED',
      error: 'Batch.SpotInterrupted',
      cause: { classification: 'SpotInterrupted', retryable: true },
    });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('ExecutionDoesNotExist');
  });
});
