/**
 * Exit codes of `batchctl` (SPEC "CLI exit codes", compatible with the
 * integration users migrate from). Pure: no I/O, no SDK import.
 */
import type { JobStatus } from '../../lambda/shared/job-status';

/** Exit codes that do not depend on a job status. */
export const EXIT = {
  SUCCESS: 0,
  FAILURE: 1,
  AUTHENTICATION: 2,
  AUTHORIZATION: 3,
  CONNECTION: 10,
  PROXY: 11,
  USAGE: 64,
  /** Not in the SPEC table: the shell convention 128 + SIGINT when Ctrl-C stops a wait. */
  INTERRUPTED: 130,
} as const;

/** Which mapping `status` uses. */
export type ExitCodeTable = 'default' | 'kestra';

/** `status` exit codes, default table (the integration's "Read Job Status"). */
export const DEFAULT_STATUS_EXIT_CODES: Readonly<Record<JobStatus, number>> = {
  RUNNING: 22,
  STARTING: 23,
  RUNNABLE: 24,
  PENDING: 25,
  SUBMITTED: 26,
  SUCCEEDED: 27,
  FAILED: 1,
};

/** `status --exit-codes kestra`: the workflow engine's Batch runner mapping. */
export const KESTRA_STATUS_EXIT_CODES: Readonly<Record<JobStatus, number>> = {
  SUCCEEDED: 0,
  FAILED: 1,
  RUNNING: 2,
  RUNNABLE: 3,
  PENDING: 4,
  STARTING: 5,
  SUBMITTED: 6,
};

/** Kestra's "OTHER: -1", as a process exit code. */
export const KESTRA_OTHER_EXIT_CODE = 255;

/** Exit code of `status` for a job status. An unknown status is a failure (default) or 255 (kestra). */
export function statusExitCode(status: string | undefined, table: ExitCodeTable = 'default'): number {
  const codes = table === 'kestra' ? KESTRA_STATUS_EXIT_CODES : DEFAULT_STATUS_EXIT_CODES;
  const code = status === undefined ? undefined : (codes as Record<string, number>)[status];
  if (code !== undefined) return code;
  return table === 'kestra' ? KESTRA_OTHER_EXIT_CODE : EXIT.FAILURE;
}

/** Exit code of a command that waits for a job or an execution: 0 only when it succeeded. */
export function outcomeExitCode(status: string | undefined): number {
  return status === 'SUCCEEDED' ? EXIT.SUCCESS : EXIT.FAILURE;
}

/** The integration's status classification printed before an error description. */
export type ErrorLabel =
  | 'FAIL'
  | 'AUTHENTICATION_ERROR'
  | 'AUTHORIZATION_ERROR'
  | 'CONNECTION_ERROR'
  | 'USAGE_ERROR';

/** What an error means for the user. */
export interface ErrorOutcome {
  readonly exitCode: number;
  readonly label: ErrorLabel;
  /** One line, e.g. `UnrecognizedClientException: The security token included in the request is invalid.` */
  readonly message: string;
}

const USAGE_NAMES = new Set(['UsageError', 'InvalidJobRequest']);

const AUTHENTICATION_NAMES = new Set([
  'CredentialsProviderError',
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'ExpiredToken',
  'ExpiredTokenException',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'IncompleteSignature',
  'IncompleteSignatureException',
  'MissingAuthenticationToken',
  'MissingAuthenticationTokenException',
  'InvalidAccessKeyId',
  'TokenRefreshRequired',
  'AuthFailure',
  'RequestExpired',
  // SSO / identity-center token that is missing or expired.
  'TokenProviderError',
]);

const AUTHORIZATION_NAMES = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'UnauthorizedException',
  'AuthorizationError',
]);

/** Node system error codes and SDK error names of a connection that failed or timed out. */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'ECONNRESET',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTDOWN',
  'ECONNABORTED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
]);
const CONNECTION_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);

/** Codes that mean the request never reached the server (safe to retry even a non-idempotent call). */
const NEVER_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

const THROTTLING_NAMES = new Set([
  'TooManyRequestsException',
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'ProvisionedThroughputExceededException',
]);

interface ErrorLike {
  readonly name?: unknown;
  readonly code?: unknown;
  readonly message?: unknown;
  readonly cause?: unknown;
  readonly errors?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: number };
}

/** The error and its causes (`cause`, `AggregateError.errors`), outermost first, at most 10. */
export function errorChain(error: unknown): ErrorLike[] {
  const out: ErrorLike[] = [];
  const queue: unknown[] = [error];
  while (queue.length > 0 && out.length < 10) {
    const current = queue.shift();
    if (typeof current !== 'object' || current === null || out.includes(current as ErrorLike)) continue;
    const e = current as ErrorLike;
    out.push(e);
    if (e.cause !== undefined) queue.push(e.cause);
    if (Array.isArray(e.errors)) queue.push(...e.errors);
  }
  return out;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

function anyMatch(error: unknown, test: (e: ErrorLike) => boolean): ErrorLike | undefined {
  return errorChain(error).find(test);
}

const hasName = (names: ReadonlySet<string>) => (e: ErrorLike) => names.has(str(e.name) ?? '');
const hasCode = (codes: ReadonlySet<string>) => (e: ErrorLike) => codes.has(str(e.code) ?? '');

/** True for HTTP 429 and the throttling error names AWS services use. */
export function isThrottlingError(error: unknown): boolean {
  return (
    anyMatch(error, (e) => e.$metadata?.httpStatusCode === 429 || THROTTLING_NAMES.has(str(e.name) ?? '')) !==
    undefined
  );
}

/**
 * True when the request certainly never reached the service: DNS failure,
 * refused connection, or the proxy could not be reached. A timeout or a reset
 * is NOT such an error: the service may have acted on the request.
 */
export function wasNeverSent(error: unknown): boolean {
  return (
    anyMatch(error, (e) => hasCode(NEVER_SENT_CODES)(e) || str(e.name) === 'ProxyConnectionError') !==
    undefined
  );
}

/** Maps any error to the integration-compatible exit code, label and a one-line message. */
export function classifyError(error: unknown): ErrorOutcome {
  const top = errorChain(error)[0];
  const describe = (e: ErrorLike | undefined = top): string => {
    const name = str(e?.name);
    const code = str(e?.code);
    const message = str(e?.message) ?? (e === undefined ? String(error) : '');
    const prefix = name && name !== 'Error' ? name : code;
    if (prefix && message.startsWith(prefix)) return message;
    return prefix ? `${prefix}: ${message}`.replace(/: $/, '') : message;
  };

  const usage = anyMatch(error, hasName(USAGE_NAMES));
  if (usage)
    return { exitCode: EXIT.USAGE, label: 'USAGE_ERROR', message: str(usage.message) ?? 'Usage error' };
  if (/Region is missing/i.test(str(top?.message) ?? ''))
    return {
      exitCode: EXIT.USAGE,
      label: 'USAGE_ERROR',
      message: 'No AWS region: pass --region, set AWS_REGION, or set region in the profile',
    };

  const proxy = anyMatch(error, (e) => str(e.name) === 'ProxyConnectionError');
  if (proxy) return { exitCode: EXIT.PROXY, label: 'CONNECTION_ERROR', message: describe(proxy) };
  if (anyMatch(error, (e) => e.$metadata?.httpStatusCode === 407))
    return {
      exitCode: EXIT.PROXY,
      label: 'CONNECTION_ERROR',
      message: 'ProxyConnectionError: the proxy requires authentication (HTTP 407)',
    };

  const authn = anyMatch(error, hasName(AUTHENTICATION_NAMES));
  if (authn)
    return {
      exitCode: EXIT.AUTHENTICATION,
      label: 'AUTHENTICATION_ERROR',
      message: `Account cannot be authenticated. ${describe(authn)}`,
    };
  const authz = anyMatch(error, hasName(AUTHORIZATION_NAMES));
  if (authz)
    return {
      exitCode: EXIT.AUTHORIZATION,
      label: 'AUTHORIZATION_ERROR',
      message: `Account is not authorized to perform the requested action. ${describe(authz)}`,
    };

  const connection = anyMatch(error, (e) => hasCode(CONNECTION_CODES)(e) || hasName(CONNECTION_NAMES)(e));
  if (connection)
    return { exitCode: EXIT.CONNECTION, label: 'CONNECTION_ERROR', message: describe(connection) };

  // An answer without a known error name (e.g. a gateway's bare 401/403): the HTTP status decides.
  const unauthenticated = anyMatch(error, (e) => e.$metadata?.httpStatusCode === 401);
  if (unauthenticated)
    return {
      exitCode: EXIT.AUTHENTICATION,
      label: 'AUTHENTICATION_ERROR',
      message: `Account cannot be authenticated. ${describe(unauthenticated)} (HTTP 401)`,
    };
  const forbidden = anyMatch(error, (e) => e.$metadata?.httpStatusCode === 403);
  if (forbidden)
    return {
      exitCode: EXIT.AUTHORIZATION,
      label: 'AUTHORIZATION_ERROR',
      message: `Account is not authorized to perform the requested action. ${describe(forbidden)} (HTTP 403)`,
    };

  return { exitCode: EXIT.FAILURE, label: 'FAIL', message: describe() };
}
