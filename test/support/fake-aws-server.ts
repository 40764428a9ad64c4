/**
 * A local fake of the AWS APIs `batchctl` calls, on 127.0.0.1 (random port),
 * speaking each service's real wire protocol so the real SDK clients talk to it:
 * Batch (restJson1, `POST /v1/<operation>`), Step Functions (awsJson1_0),
 * CloudWatch Logs (awsJson1_1), STS and CloudFormation (awsQuery, XML answers).
 * It is also an HTTP CONNECT proxy (Basic auth `proxyuser:s3cret`).
 *
 * Behaviour is scripted per job / execution; the caller's access key picks
 * authentication outcomes: keys starting with `UNRECOGNIZED` get
 * UnrecognizedClientException, `DENIED` gets AccessDeniedException. Every
 * call is recorded with the access key that signed it, so concurrent tests
 * can each use their own key and look only at their own calls.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import * as net from 'node:net';

const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';
/** Credentials the proxy accepts. */
export const PROXY_USER = 'proxyuser';
export const PROXY_PASSWORD = 's3cret';

/** How a scripted job behaves. */
export interface JobScript {
  /** Statuses returned by successive DescribeJobs calls; the last one sticks. Default `['SUCCEEDED']`. */
  readonly statuses?: readonly string[];
  readonly exitCode?: number;
  readonly statusReason?: string;
  readonly containerReason?: string;
  /** `awslogs-group` of the job's container; none means Batch's default. */
  readonly logGroup?: string;
  readonly retryAttempts?: number;
  /** DescribeJobs answers an empty list this many times first (a job not visible yet). */
  readonly invisibleFor?: number;
  /** The first N DescribeJobs calls for this job get HTTP 429. */
  readonly throttleDescribes?: number;
  /** The first N SubmitJob calls with this job name get HTTP 429. */
  readonly throttleSubmits?: number;
  /** SubmitJob with this job name fails with this error. */
  readonly submitError?: { readonly status: number; readonly type: string; readonly message: string };
}

/** How a scripted execution behaves (keyed by the input's jobName, else `default`). */
export interface ExecutionScript {
  readonly statuses?: readonly string[];
  readonly error?: string;
  readonly cause?: string;
  readonly output?: string;
}

/** One recorded API call. */
export interface RecordedCall {
  readonly service: 'batch' | 'states' | 'logs' | 'sts' | 'cloudformation' | 'unknown';
  readonly operation: string;
  /** Access key id from the SigV4 Authorization header (undefined when unsigned). */
  readonly accessKey: string | undefined;
  readonly body: Record<string, unknown>;
  /** HTTP status the fake answered. */
  status: number;
}

/** One CONNECT the proxy received. */
export interface ProxyConnect {
  readonly target: string;
  readonly authorization: string | undefined;
  readonly accepted: boolean;
}

interface FakeJob {
  readonly jobId: string;
  readonly jobName: string;
  readonly jobQueue: string;
  readonly jobDefinition: string;
  readonly createdAt: number;
  readonly script: JobScript;
  statuses: readonly string[];
  cursor: number;
  describes: number;
  terminatedReason?: string;
}

interface FakeExecution {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly name: string;
  readonly input: string;
  readonly startDate: number;
  readonly script: ExecutionScript;
  cursor: number;
}

/** The running fake. */
export interface FakeAwsServer {
  readonly url: string;
  readonly port: number;
  readonly calls: RecordedCall[];
  readonly proxyConnects: ProxyConnect[];
  /** Calls signed with this access key. */
  callsBy(accessKey: string): RecordedCall[];
  /** Scripts the job SubmitJob creates for this job name. */
  scriptSubmit(jobName: string, script: JobScript): void;
  /** Adds an existing job; returns its id. */
  addJob(init: { jobId?: string; jobName?: string; jobQueue?: string } & JobScript): string;
  /** Current status of a job. */
  jobStatus(jobId: string): string | undefined;
  /** Jobs created by SubmitJob with this name. */
  jobsNamed(jobName: string): { jobId: string; terminatedReason?: string }[];
  /** Log lines of a stream. */
  putLogs(logGroup: string, logStream: string, lines: readonly string[]): void;
  scriptExecution(jobName: string, script: ExecutionScript): void;
  /** Adds a stack with outputs (CloudFormation DescribeStacks). */
  addStack(stackName: string, outputs: Record<string, string>): void;
  /** State machines listed by ListStateMachines, one per page. */
  addStateMachine(name: string): string;
  /** Executions started, with their input. */
  executions(): { executionArn: string; name: string; input: string; stateMachineArn: string }[];
  close(): Promise<void>;
}

/** Answer pages of this many items, so pagination is always exercised. */
const PAGE_SIZE = 2;

/** Starts the fake; it stops itself after `maxLifetimeMs` even if nobody closes it. */
export async function startFakeAwsServer(options: { maxLifetimeMs?: number } = {}): Promise<FakeAwsServer> {
  const calls: RecordedCall[] = [];
  const proxyConnects: ProxyConnect[] = [];
  const submitScripts = new Map<string, JobScript>();
  const submitThrottled = new Map<string, number>();
  const jobs = new Map<string, FakeJob>();
  const logs = new Map<string, string[]>();
  const executionScripts = new Map<string, ExecutionScript>();
  const executions = new Map<string, FakeExecution>();
  const stacks = new Map<string, Record<string, string>>();
  const stateMachines: { name: string; stateMachineArn: string }[] = [];
  const tunnels = new Set<net.Socket>();

  const newJob = (init: {
    jobId?: string;
    jobName: string;
    jobQueue: string;
    jobDefinition: string;
    script: JobScript;
  }) => {
    const job: FakeJob = {
      jobId: init.jobId ?? randomUUID(),
      jobName: init.jobName,
      jobQueue: init.jobQueue,
      jobDefinition: init.jobDefinition,
      createdAt: Date.now(),
      script: init.script,
      statuses: init.script.statuses ?? ['SUCCEEDED'],
      cursor: 0,
      describes: 0,
    };
    jobs.set(job.jobId, job);
    return job;
  };

  // --- Batch (restJson1) ---------------------------------------------------
  const batch = (operation: string, body: Record<string, unknown>, reply: Reply) => {
    switch (operation) {
      case 'submitjob': {
        const jobName = String(body.jobName);
        const script = submitScripts.get(jobName) ?? {};
        const throttled = submitThrottled.get(jobName) ?? 0;
        if (throttled < (script.throttleSubmits ?? 0)) {
          submitThrottled.set(jobName, throttled + 1);
          return reply.restError(429, 'TooManyRequestsException', 'Too Many Requests');
        }
        if (script.submitError)
          return reply.restError(
            script.submitError.status,
            script.submitError.type,
            script.submitError.message,
          );
        const job = newJob({
          jobName,
          jobQueue: String(body.jobQueue),
          jobDefinition: String(body.jobDefinition),
          script,
        });
        return reply.json(200, { jobArn: jobArn(job.jobId), jobName, jobId: job.jobId });
      }
      case 'describejobs': {
        const ids = (body.jobs as string[]) ?? [];
        const out: unknown[] = [];
        for (const id of ids) {
          const job = jobs.get(id);
          if (job === undefined) continue;
          job.describes++;
          if (job.describes <= (job.script.throttleDescribes ?? 0))
            return reply.restError(429, 'TooManyRequestsException', 'Too Many Requests');
          if (job.describes <= (job.script.throttleDescribes ?? 0) + (job.script.invisibleFor ?? 0)) continue;
          out.push(jobDetail(job));
          job.cursor = Math.min(job.cursor + 1, job.statuses.length - 1);
        }
        return reply.json(200, { jobs: out });
      }
      case 'terminatejob': {
        const job = jobs.get(String(body.jobId));
        if (job === undefined) return reply.restError(400, 'ClientException', `Job ${body.jobId} not found`);
        job.terminatedReason = String(body.reason);
        job.statuses = ['FAILED'];
        job.cursor = 0;
        return reply.json(200, {});
      }
      case 'listjobs': {
        const queue = String(body.jobQueue);
        const status = String(body.jobStatus ?? 'RUNNING');
        const matching = [...jobs.values()].filter(
          (j) => j.jobQueue === queue && currentStatus(j) === status,
        );
        const start = typeof body.nextToken === 'string' ? Number(body.nextToken) : 0;
        const page = matching.slice(start, start + PAGE_SIZE).map((j) => ({
          jobArn: jobArn(j.jobId),
          jobId: j.jobId,
          jobName: j.jobName,
          createdAt: j.createdAt,
          status: currentStatus(j),
        }));
        const next = start + PAGE_SIZE < matching.length ? String(start + PAGE_SIZE) : undefined;
        return reply.json(200, { jobSummaryList: page, ...(next !== undefined && { nextToken: next }) });
      }
      default:
        return reply.restError(400, 'ClientException', `Unsupported operation ${operation}`);
    }
  };

  const currentStatus = (job: FakeJob) => job.statuses[job.cursor] ?? 'SUBMITTED';

  const jobDetail = (job: FakeJob) => {
    const status = currentStatus(job);
    const s = job.script;
    const started =
      ['STARTING', 'RUNNING', 'SUCCEEDED', 'FAILED'].includes(status) && job.terminatedReason === undefined;
    const terminal = status === 'SUCCEEDED' || status === 'FAILED';
    const stream = started ? `${job.jobDefinition}/default/${job.jobId}` : undefined;
    const exitCode =
      job.terminatedReason !== undefined
        ? undefined
        : terminal
          ? (s.exitCode ?? (status === 'SUCCEEDED' ? 0 : 1))
          : undefined;
    const statusReason =
      job.terminatedReason ??
      (terminal
        ? (s.statusReason ??
          (status === 'SUCCEEDED'
            ? 'Essential container in task exited'
            : 'Essential container in task exited'))
        : undefined);
    const container = {
      image: 'public.ecr.aws/docker/library/busybox',
      ...(exitCode !== undefined && { exitCode }),
      ...(s.containerReason !== undefined && terminal && { reason: s.containerReason }),
      ...(stream !== undefined && { logStreamName: stream }),
      logConfiguration: {
        logDriver: 'awslogs',
        ...(s.logGroup !== undefined && { options: { 'awslogs-group': s.logGroup } }),
      },
    };
    return {
      jobArn: jobArn(job.jobId),
      jobId: job.jobId,
      jobName: job.jobName,
      jobQueue: `arn:aws:batch:${REGION}:${ACCOUNT}:job-queue/${job.jobQueue}`,
      jobDefinition: `arn:aws:batch:${REGION}:${ACCOUNT}:job-definition/${job.jobDefinition}:1`,
      status,
      ...(statusReason !== undefined && { statusReason }),
      createdAt: job.createdAt,
      ...(started && { startedAt: job.createdAt + 1000 }),
      ...(terminal && { stoppedAt: job.createdAt + 2000 }),
      attempts:
        terminal && started
          ? [
              {
                container: {
                  ...(exitCode !== undefined && { exitCode }),
                  ...(s.containerReason !== undefined && { reason: s.containerReason }),
                  ...(stream !== undefined && { logStreamName: stream }),
                },
                statusReason,
                startedAt: job.createdAt + 1000,
                stoppedAt: job.createdAt + 2000,
              },
            ]
          : [],
      dependsOn: [],
      parameters: {},
      retryStrategy: { attempts: s.retryAttempts ?? 1 },
      container,
      tags: {},
    };
  };

  // --- Step Functions (awsJson1_0) ------------------------------------------
  const states = (operation: string, body: Record<string, unknown>, reply: Reply) => {
    switch (operation) {
      case 'StartExecution': {
        const stateMachineArn = String(body.stateMachineArn);
        const name = String(body.name ?? randomUUID());
        const input = String(body.input ?? '{}');
        const executionArn = `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
        const existing = executions.get(executionArn);
        if (existing !== undefined && existing.input !== input)
          return reply.jsonError(
            400,
            'ExecutionAlreadyExists',
            `Execution Already Exists: '${executionArn}'`,
            '1.0',
          );
        const jobName = (JSON.parse(input) as { jobName?: string }).jobName ?? 'default';
        const script = executionScripts.get(jobName) ?? executionScripts.get('default') ?? {};
        const execution = existing ?? {
          executionArn,
          stateMachineArn,
          name,
          input,
          startDate: Date.now() / 1000,
          script,
          cursor: 0,
        };
        executions.set(executionArn, execution);
        return reply.json(
          200,
          { executionArn, startDate: execution.startDate },
          'application/x-amz-json-1.0',
        );
      }
      case 'DescribeExecution': {
        const e = executions.get(String(body.executionArn));
        if (e === undefined)
          return reply.jsonError(
            400,
            'ExecutionDoesNotExist',
            `Execution Does Not Exist: '${body.executionArn}'`,
            '1.0',
          );
        const statuses = e.script.statuses ?? ['SUCCEEDED'];
        const status = statuses[e.cursor] ?? 'RUNNING';
        e.cursor = Math.min(e.cursor + 1, statuses.length - 1);
        const done = status !== 'RUNNING';
        return reply.json(
          200,
          {
            executionArn: e.executionArn,
            stateMachineArn: e.stateMachineArn,
            name: e.name,
            status,
            startDate: e.startDate,
            input: e.input,
            ...(done && { stopDate: e.startDate + 5 }),
            ...(done && e.script.error !== undefined && { error: e.script.error }),
            ...(done && e.script.cause !== undefined && { cause: e.script.cause }),
            ...(done && status === 'SUCCEEDED' && { output: e.script.output ?? '{}' }),
          },
          'application/x-amz-json-1.0',
        );
      }
      case 'StopExecution':
        return reply.json(200, { stopDate: Date.now() / 1000 }, 'application/x-amz-json-1.0');
      case 'ListStateMachines': {
        const start = typeof body.nextToken === 'string' ? Number(body.nextToken) : 0;
        const page = stateMachines
          .slice(start, start + 1)
          .map((m) => ({ ...m, type: 'STANDARD', creationDate: 1_700_000_000 }));
        const next = start + 1 < stateMachines.length ? String(start + 1) : undefined;
        return reply.json(
          200,
          { stateMachines: page, ...(next !== undefined && { nextToken: next }) },
          'application/x-amz-json-1.0',
        );
      }
      default:
        return reply.jsonError(400, 'UnknownOperationException', operation, '1.0');
    }
  };

  // --- CloudWatch Logs (awsJson1_1) -----------------------------------------
  const cwLogs = (operation: string, body: Record<string, unknown>, reply: Reply) => {
    if (operation !== 'GetLogEvents')
      return reply.jsonError(400, 'UnknownOperationException', operation, '1.1');
    const lines = logs.get(`${body.logGroupName}|${body.logStreamName}`);
    if (lines === undefined)
      return reply.jsonError(
        400,
        'ResourceNotFoundException',
        'The specified log stream does not exist.',
        '1.1',
      );
    const start = typeof body.nextToken === 'string' ? Number(body.nextToken.slice(2)) : 0;
    const page = lines.slice(start, start + PAGE_SIZE);
    const end = start + page.length;
    return reply.json(
      200,
      {
        events: page.map((message, i) => ({
          timestamp: 1_700_000_000_000 + start + i,
          message,
          ingestionTime: 1_700_000_000_000,
        })),
        nextForwardToken: `f/${end}`,
        nextBackwardToken: `b/${start}`,
      },
      'application/x-amz-json-1.1',
    );
  };

  // --- STS and CloudFormation (awsQuery) ------------------------------------
  const query = (params: URLSearchParams, accessKey: string | undefined, reply: Reply) => {
    const action = params.get('Action');
    if (action === 'AssumeRole') {
      const roleArn = params.get('RoleArn') ?? '';
      if (roleArn.includes('denied'))
        return reply.queryError(
          403,
          'AccessDenied',
          `User: ${accessKey} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
          'sts',
        );
      const session = params.get('RoleSessionName') ?? 'session';
      return reply.xml(
        200,
        `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials><AccessKeyId>ASIA${session}</AccessKeyId><SecretAccessKey>assumed-secret</SecretAccessKey><SessionToken>assumed-token</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials><AssumedRoleUser><Arn>${roleArn}/${session}</Arn><AssumedRoleId>AROA:${session}</AssumedRoleId></AssumedRoleUser></AssumeRoleResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></AssumeRoleResponse>`,
      );
    }
    if (action === 'DescribeStacks') {
      const name = params.get('StackName') ?? '';
      const outputs = stacks.get(name);
      if (outputs === undefined)
        return reply.queryError(
          400,
          'ValidationError',
          `Stack with id ${name} does not exist`,
          'cloudformation',
        );
      const members = Object.entries(outputs)
        .map(([k, v]) => `<member><OutputKey>${k}</OutputKey><OutputValue>${v}</OutputValue></member>`)
        .join('');
      return reply.xml(
        200,
        `<DescribeStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><DescribeStacksResult><Stacks><member><StackName>${name}</StackName><StackId>arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/${name}/1</StackId><CreationTime>2024-01-01T00:00:00Z</CreationTime><StackStatus>CREATE_COMPLETE</StackStatus><Outputs>${members}</Outputs></member></Stacks></DescribeStacksResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></DescribeStacksResponse>`,
      );
    }
    return reply.queryError(400, 'InvalidAction', `Unsupported action ${action}`, 'sts');
  };

  const server: Server = createServer((req, res) => {
    readBody(req).then(
      (raw) => handle(req, res, raw),
      () => res.destroy(),
    );
  });

  const handle = (req: IncomingMessage, res: ServerResponse, raw: string) => {
    const accessKey = /Credential=([^/]+)\//.exec(String(req.headers.authorization ?? ''))?.[1];
    const target = String(req.headers['x-amz-target'] ?? '');
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    let service: RecordedCall['service'] = 'unknown';
    let operation = '';
    let body: Record<string, unknown> = {};
    let params: URLSearchParams | undefined;
    if (path.startsWith('/v1/')) {
      service = 'batch';
      operation = path.slice(4);
      body = raw === '' ? {} : (JSON.parse(raw) as Record<string, unknown>);
    } else if (target.startsWith('AWSStepFunctions.')) {
      service = 'states';
      operation = target.slice('AWSStepFunctions.'.length);
      body = raw === '' ? {} : (JSON.parse(raw) as Record<string, unknown>);
    } else if (target.startsWith('Logs_20140328.')) {
      service = 'logs';
      operation = target.slice('Logs_20140328.'.length);
      body = raw === '' ? {} : (JSON.parse(raw) as Record<string, unknown>);
    } else if (String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
      params = new URLSearchParams(raw);
      operation = params.get('Action') ?? '';
      service = operation === 'AssumeRole' ? 'sts' : 'cloudformation';
      body = Object.fromEntries(params.entries());
    }
    const call: RecordedCall = { service, operation, accessKey, body, status: 0 };
    calls.push(call);
    const reply = replier(res, call);

    if (accessKey?.startsWith('UNRECOGNIZED'))
      return service === 'sts' || service === 'cloudformation'
        ? reply.queryError(
            403,
            'InvalidClientTokenId',
            'The security token included in the request is invalid.',
            service,
          )
        : reply.restError(
            403,
            'UnrecognizedClientException',
            'The security token included in the request is invalid.',
          );
    if (accessKey?.startsWith('DENIED'))
      return service === 'sts' || service === 'cloudformation'
        ? reply.queryError(403, 'AccessDenied', `User: ${accessKey} is not authorized`, service)
        : reply.restError(
            403,
            'AccessDeniedException',
            `User: arn:aws:iam::${ACCOUNT}:user/${accessKey} is not authorized to perform: batch:${operation}`,
          );

    switch (service) {
      case 'batch':
        return batch(operation, body, reply);
      case 'states':
        return states(operation, body, reply);
      case 'logs':
        return cwLogs(operation, body, reply);
      case 'sts':
      case 'cloudformation':
        return query(params!, accessKey, reply);
      default:
        return reply.restError(404, 'UnknownOperationException', `No route for ${req.method} ${req.url}`);
    }
  };

  // --- HTTP CONNECT proxy ---------------------------------------------------
  server.on('connect', (req: IncomingMessage, client: net.Socket, head: Buffer) => {
    tunnels.add(client);
    client.on('close', () => tunnels.delete(client));
    client.on('error', () => client.destroy());
    const expected = `Basic ${Buffer.from(`${PROXY_USER}:${PROXY_PASSWORD}`).toString('base64')}`;
    const authorization = req.headers['proxy-authorization'];
    const accepted = authorization === expected;
    proxyConnects.push({ target: String(req.url), authorization, accepted });
    if (!accepted) {
      client.end(
        'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="fake"\r\nContent-Length: 0\r\n\r\n',
      );
      return;
    }
    const [host, port] = String(req.url).split(':');
    const upstream = net.connect(Number(port), host ?? '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    tunnels.add(upstream);
    upstream.on('close', () => tunnels.delete(upstream));
    upstream.on('error', () => client.destroy());
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;

  let closed: Promise<void> | undefined;
  const close = () => {
    closed ??= new Promise<void>((resolve) => {
      for (const s of tunnels) s.destroy();
      server.closeAllConnections();
      server.close(() => resolve());
    });
    return closed;
  };
  setTimeout(() => void close(), options.maxLifetimeMs ?? 120_000).unref();

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    calls,
    proxyConnects,
    callsBy: (key) => calls.filter((c) => c.accessKey === key),
    scriptSubmit: (jobName, script) => submitScripts.set(jobName, script),
    addJob: (init) =>
      newJob({
        jobId: init.jobId,
        jobName: init.jobName ?? 'existing-job',
        jobQueue: init.jobQueue ?? 'default-queue',
        jobDefinition: 'hello',
        script: init,
      }).jobId,
    jobStatus: (id) => {
      const job = jobs.get(id);
      return job === undefined ? undefined : currentStatus(job);
    },
    jobsNamed: (name) =>
      [...jobs.values()]
        .filter((j) => j.jobName === name)
        .map((j) => ({
          jobId: j.jobId,
          ...(j.terminatedReason !== undefined && { terminatedReason: j.terminatedReason }),
        })),
    putLogs: (group, stream, lines) => logs.set(`${group}|${stream}`, [...lines]),
    scriptExecution: (jobName, script) => executionScripts.set(jobName, script),
    addStack: (name, outputs) => stacks.set(name, outputs),
    addStateMachine: (name) => {
      const stateMachineArn = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${name}`;
      stateMachines.push({ name, stateMachineArn });
      return stateMachineArn;
    },
    executions: () =>
      [...executions.values()].map((e) => ({
        executionArn: e.executionArn,
        name: e.name,
        input: e.input,
        stateMachineArn: e.stateMachineArn,
      })),
    close,
  };
}

function jobArn(jobId: string): string {
  return `arn:aws:batch:${REGION}:${ACCOUNT}:job/${jobId}`;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

interface Reply {
  json(status: number, body: unknown, contentType?: string): void;
  restError(status: number, type: string, message: string): void;
  jsonError(status: number, type: string, message: string, version: '1.0' | '1.1'): void;
  xml(status: number, body: string): void;
  queryError(status: number, code: string, message: string, service: 'sts' | 'cloudformation'): void;
}

function replier(res: ServerResponse, call: RecordedCall): Reply {
  const send = (status: number, headers: Record<string, string>, body: string) => {
    call.status = status;
    res.writeHead(status, {
      'x-amzn-requestid': randomUUID(),
      ...headers,
      'content-length': String(Buffer.byteLength(body)),
    });
    res.end(body);
  };
  const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return {
    json: (status, body, contentType = 'application/json') =>
      send(status, { 'content-type': contentType }, JSON.stringify(body)),
    restError: (status, type, message) =>
      send(
        status,
        { 'content-type': 'application/json', 'x-amzn-errortype': type },
        JSON.stringify({ message }),
      ),
    jsonError: (status, type, message, version) =>
      send(
        status,
        { 'content-type': `application/x-amz-json-${version}` },
        JSON.stringify({ __type: type, message }),
      ),
    xml: (status, body) => send(status, { 'content-type': 'text/xml' }, body),
    queryError: (status, code, message, service) => {
      const ns =
        service === 'sts'
          ? 'https://sts.amazonaws.com/doc/2011-06-15/'
          : 'http://cloudformation.amazonaws.com/doc/2010-05-15/';
      send(
        status,
        { 'content-type': 'text/xml' },
        `<ErrorResponse xmlns="${ns}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
      );
    },
  };
}
