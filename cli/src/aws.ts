/**
 * SDK clients of one `batchctl` run: region, profile, role assumption,
 * endpoint, HTTPS proxy with CA bundle and credentials, adaptive retries and
 * the shared client-side rate limit. Clients are created on first use and
 * passed to the small I/O helpers of the commands.
 */
import { readFileSync } from 'node:fs';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import * as tls from 'node:tls';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, Pluggable } from '@smithy/types';
import type { Clock } from './clock';
import { UsageError } from './errors';
import type { GlobalOptions } from './parse';
import { resolveProxy } from './proxy';
import { DEFAULT_MAX_REQUESTS_PER_SECOND, rateLimitPlugin, TokenBucket } from './rate-limit';

/** Default SDK attempts per call (1 try + 4 retries) in adaptive retry mode. */
export const DEFAULT_MAX_ATTEMPTS = 5;
/** Time to establish a TCP (or proxy) connection before giving up, ms. */
export const CONNECTION_TIMEOUT_MS = 10_000;
/** Time without a byte from the service before a request is abandoned, ms. */
export const REQUEST_TIMEOUT_MS = 60_000;

/** The HTTP handler shared by every client: timeouts, CA bundle, proxy. */
export function createRequestHandler(global: GlobalOptions, env: NodeJS.ProcessEnv): NodeHttpHandler {
  const caPath = global.caBundle ?? env.AWS_CA_BUNDLE;
  let ca: string[] | undefined;
  if (caPath !== undefined && caPath !== '') {
    try {
      // Appended to Node's roots: a corporate proxy CA must not hide the public ones.
      ca = [...tls.rootCertificates, readFileSync(caPath, 'utf8')];
    } catch (error) {
      throw new UsageError(`Cannot read CA bundle ${caPath} (${(error as { code?: string }).code ?? error})`);
    }
  }
  const proxy = resolveProxy(global, env);
  let httpAgent: HttpAgent;
  let httpsAgent: HttpAgent;
  if (proxy === undefined) {
    httpAgent = new HttpAgent({ keepAlive: true });
    httpsAgent = new HttpsAgent({ keepAlive: true, ...(ca !== undefined && { ca }) });
  } else {
    // Loaded only when a proxy is configured: it costs ~100 ms of start-up.
    const { ProxyAgent } = require('./proxy-agent') as typeof import('./proxy-agent');
    httpAgent = new ProxyAgent(proxy, ca, CONNECTION_TIMEOUT_MS);
    httpsAgent = new ProxyAgent(proxy, ca, CONNECTION_TIMEOUT_MS);
  }
  return new NodeHttpHandler({
    httpAgent,
    httpsAgent,
    // Through a proxy the agent times the CONNECT itself and reports it as a proxy error (exit 11):
    // the handler's own connection timer must not fire first and turn it into a plain timeout (10).
    connectionTimeout: proxy === undefined ? CONNECTION_TIMEOUT_MS : CONNECTION_TIMEOUT_MS + 5_000,
    requestTimeout: REQUEST_TIMEOUT_MS,
    // Without this, smithy only logs a warning when requestTimeout passes and the call hangs forever.
    throwOnRequestTimeout: true,
  });
}

/**
 * SDK attempts per call: `--max-attempts`, else the standard `AWS_MAX_ATTEMPTS`, else
 * {@link DEFAULT_MAX_ATTEMPTS}. Also bounds the SubmitJob retry loop.
 */
export function resolveMaxAttempts(global: GlobalOptions, env: NodeJS.ProcessEnv): number {
  if (global.maxAttempts !== undefined) return global.maxAttempts;
  const raw = env.AWS_MAX_ATTEMPTS?.trim();
  if (raw === undefined || raw === '') return DEFAULT_MAX_ATTEMPTS;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > 20)
    throw new UsageError(`AWS_MAX_ATTEMPTS expects an integer from 1 to 20 (got "${raw}").`);
  return n;
}

/** Caches temporary credentials until five minutes before they expire. */
function memoizeCredentials(provider: AwsCredentialIdentityProvider): AwsCredentialIdentityProvider {
  let current: Promise<AwsCredentialIdentity> | undefined;
  return async () => {
    if (current !== undefined) {
      const creds = await current.catch(() => undefined);
      const expiresAt = creds?.expiration?.getTime();
      if (creds !== undefined && (expiresAt === undefined || expiresAt - Date.now() > 5 * 60_000))
        return creds;
    }
    current = provider();
    return current;
  };
}

/**
 * Credentials from STS AssumeRole with the default chain (or `--profile`) as
 * the source, cached until shortly before they expire.
 */
function assumeRole(
  roleArn: string,
  global: GlobalOptions,
  stsConfig: Record<string, unknown>,
): AwsCredentialIdentityProvider {
  // Loaded only with --role-arn: it costs ~150 ms of start-up.
  const { fromTemporaryCredentials } =
    require('@aws-sdk/credential-providers') as typeof import('@aws-sdk/credential-providers');
  return memoizeCredentials(
    fromTemporaryCredentials({
      params: {
        RoleArn: roleArn,
        RoleSessionName: global.roleSessionName ?? `batchctl-${Date.now()}`,
        ...(global.externalId !== undefined && { ExternalId: global.externalId }),
        ...(global.roleDurationSeconds !== undefined && { DurationSeconds: global.roleDurationSeconds }),
      },
      clientConfig: stsConfig,
    }),
  );
}

/** Settings shared by every client of the run. */
export interface SharedClientConfig {
  readonly region?: string;
  readonly profile?: string;
  readonly endpoint?: string;
  readonly credentials?: AwsCredentialIdentityProvider;
  readonly requestHandler: NodeHttpHandler;
  readonly retryMode: 'adaptive';
  readonly maxAttempts: number;
}

/** Builds the shared client configuration from the global flags (no network I/O). */
export function createClientConfig(global: GlobalOptions, env: NodeJS.ProcessEnv): SharedClientConfig {
  const requestHandler = createRequestHandler(global, env);
  const maxAttempts = resolveMaxAttempts(global, env);
  const base = {
    ...(global.region !== undefined && { region: global.region }),
    ...(global.profile !== undefined && { profile: global.profile }),
    ...(global.endpointUrl !== undefined && { endpoint: global.endpointUrl }),
  };
  const credentials =
    global.roleArn === undefined
      ? undefined
      : assumeRole(global.roleArn, global, { ...base, requestHandler, maxAttempts, retryMode: 'adaptive' });
  return {
    ...base,
    ...(credentials !== undefined && { credentials }),
    requestHandler,
    retryMode: 'adaptive',
    maxAttempts,
  };
}

/** What {@link AwsClients} needs of an SDK client class. */
export interface SdkClient {
  // biome-ignore lint/suspicious/noExplicitAny: every client's stack accepts the same untyped plugin
  readonly middlewareStack: { use(plugin: Pluggable<any, any>): void };
  destroy(): void;
}

/** An SDK client class (`BatchClient`, `SFNClient`, ...). */
export type SdkClientClass<T extends SdkClient> = new (config: SharedClientConfig) => T;

/**
 * The SDK clients of one run, created on first use with the shared settings
 * and rate limit. Commands name the client class they need, so a command loads
 * only its own service packages.
 */
export class AwsClients {
  readonly config: SharedClientConfig;
  private readonly bucket: TokenBucket;
  private readonly cache = new Map<string, SdkClient>();

  constructor(global: GlobalOptions, clock: Clock, env: NodeJS.ProcessEnv = process.env) {
    this.config = createClientConfig(global, env);
    const rate = global.maxRequestsPerSecond ?? DEFAULT_MAX_REQUESTS_PER_SECOND;
    this.bucket = new TokenBucket(rate, rate, clock);
  }

  /**
   * The client of this class; `maxAttempts` overrides the SDK attempts (e.g. 1
   * for SubmitJob, which has no idempotency token).
   */
  client<T extends SdkClient>(Client: SdkClientClass<T>, options: { maxAttempts?: number } = {}): T {
    const key = `${Client.name}:${options.maxAttempts ?? ''}`;
    let client = this.cache.get(key) as T | undefined;
    if (client === undefined) {
      client = new Client({ ...this.config, ...options });
      client.middlewareStack.use(rateLimitPlugin(this.bucket));
      this.cache.set(key, client);
    }
    return client;
  }

  /** Closes keep-alive sockets so the process can exit. */
  destroy(): void {
    for (const client of this.cache.values()) client.destroy();
    this.config.requestHandler.destroy();
  }
}
