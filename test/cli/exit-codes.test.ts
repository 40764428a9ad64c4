import { describe, expect, it } from 'vitest';
import {
  InvalidRequestError,
  JobNotFoundError,
  ProxyConnectionError,
  UsageError,
} from '../../cli/src/errors';
import {
  classifyError,
  EXIT,
  isThrottlingError,
  outcomeExitCode,
  statusExitCode,
  wasNeverSent,
} from '../../cli/src/exit-codes';

/** An error shaped like the SDK's service exceptions. */
const sdkError = (name: string, message = `${name} message`, httpStatusCode = 400) =>
  Object.assign(new Error(message), { name, $metadata: { httpStatusCode }, $fault: 'client' });

/** A Node system error. */
const systemError = (code: string) => Object.assign(new Error(`connect ${code} 127.0.0.1:1`), { code });

describe('statusExitCode', () => {
  it.each([
    ['RUNNING', 22, 2],
    ['STARTING', 23, 5],
    ['RUNNABLE', 24, 3],
    ['PENDING', 25, 4],
    ['SUBMITTED', 26, 6],
    ['SUCCEEDED', 27, 0],
    ['FAILED', 1, 1],
    ['SOMETHING_NEW', 1, 255],
    [undefined, 1, 255],
  ])('maps %s to %i (default) and %i (kestra)', (status, byDefault, kestra) => {
    expect(statusExitCode(status, 'default')).toBe(byDefault);
    expect(statusExitCode(status, 'kestra')).toBe(kestra);
  });

  it('uses the default table when none is given', () => {
    expect(statusExitCode('RUNNING')).toBe(22);
  });
});

describe('outcomeExitCode', () => {
  it.each([
    ['SUCCEEDED', 0],
    ['FAILED', 1],
    ['TIMED_OUT', 1],
    [undefined, 1],
  ])('maps a finished %s to %i', (status, code) => {
    expect(outcomeExitCode(status)).toBe(code);
  });
});

describe('classifyError', () => {
  it.each<[string, unknown, number, string]>([
    ['a usage error', new UsageError('Unknown option --x'), 64, 'USAGE_ERROR'],
    ['an invalid request', new InvalidRequestError('Invalid job request', []), 64, 'USAGE_ERROR'],
    ['a missing region', new Error('Region is missing'), 64, 'USAGE_ERROR'],
    [
      'no credentials',
      Object.assign(new Error('Could not load credentials from any providers'), {
        name: 'CredentialsProviderError',
      }),
      2,
      'AUTHENTICATION_ERROR',
    ],
    [
      'UnrecognizedClientException',
      sdkError('UnrecognizedClientException', 'bad', 403),
      2,
      'AUTHENTICATION_ERROR',
    ],
    ['InvalidClientTokenId', sdkError('InvalidClientTokenId', 'bad', 403), 2, 'AUTHENTICATION_ERROR'],
    ['ExpiredToken', sdkError('ExpiredToken'), 2, 'AUTHENTICATION_ERROR'],
    ['ExpiredTokenException', sdkError('ExpiredTokenException'), 2, 'AUTHENTICATION_ERROR'],
    ['InvalidSignatureException', sdkError('InvalidSignatureException'), 2, 'AUTHENTICATION_ERROR'],
    ['SignatureDoesNotMatch', sdkError('SignatureDoesNotMatch'), 2, 'AUTHENTICATION_ERROR'],
    ['AuthFailure', sdkError('AuthFailure', 'bad', 401), 2, 'AUTHENTICATION_ERROR'],
    [
      'an expired SSO token',
      Object.assign(new Error('The SSO session has expired'), { name: 'TokenProviderError' }),
      2,
      'AUTHENTICATION_ERROR',
    ],
    ['an unnamed HTTP 401', sdkError('UnknownError', '', 401), 2, 'AUTHENTICATION_ERROR'],
    ['an unnamed HTTP 403', sdkError('Unknown', 'Forbidden', 403), 3, 'AUTHORIZATION_ERROR'],
    ['AccessDenied', sdkError('AccessDenied', 'no', 403), 3, 'AUTHORIZATION_ERROR'],
    ['AccessDeniedException', sdkError('AccessDeniedException', 'no', 403), 3, 'AUTHORIZATION_ERROR'],
    ['UnauthorizedOperation', sdkError('UnauthorizedOperation', 'no', 403), 3, 'AUTHORIZATION_ERROR'],
    ['ECONNREFUSED', systemError('ECONNREFUSED'), 10, 'CONNECTION_ERROR'],
    ['ENOTFOUND', systemError('ENOTFOUND'), 10, 'CONNECTION_ERROR'],
    ['EAI_AGAIN', systemError('EAI_AGAIN'), 10, 'CONNECTION_ERROR'],
    ['ETIMEDOUT', systemError('ETIMEDOUT'), 10, 'CONNECTION_ERROR'],
    ['ECONNRESET', systemError('ECONNRESET'), 10, 'CONNECTION_ERROR'],
    [
      'a socket timeout',
      Object.assign(new Error('Connection timed out after 10000 ms'), { name: 'TimeoutError' }),
      10,
      'CONNECTION_ERROR',
    ],
    [
      'a refused connection inside an AggregateError',
      new AggregateError([systemError('ECONNREFUSED'), systemError('ECONNREFUSED')], ''),
      10,
      'CONNECTION_ERROR',
    ],
    [
      'a proxy that cannot be reached',
      new ProxyConnectionError('http://proxy:3128/', { cause: systemError('ECONNREFUSED') }),
      11,
      'CONNECTION_ERROR',
    ],
    ['a 407 from the proxy', sdkError('UnknownError', '', 407), 11, 'CONNECTION_ERROR'],
    ['a ClientException', sdkError('ClientException', 'Job queue q does not exist'), 1, 'FAIL'],
    ['an unknown job id', new JobNotFoundError('abc'), 1, 'FAIL'],
    [
      'throttling that outlasted the retries',
      sdkError('TooManyRequestsException', 'slow down', 429),
      1,
      'FAIL',
    ],
    ['a server error', sdkError('ServerException', 'oops', 500), 1, 'FAIL'],
    ['anything else', new Error('boom'), 1, 'FAIL'],
    ['a thrown string', 'boom', 1, 'FAIL'],
  ])('maps %s to %i', (_name, error, exitCode, label) => {
    expect(classifyError(error)).toMatchObject({ exitCode, label });
  });

  it('keeps the service message of a ClientException', () => {
    expect(classifyError(sdkError('ClientException', 'Job queue q does not exist')).message).toBe(
      'ClientException: Job queue q does not exist',
    );
  });

  it('prefers the proxy error over the refused connection it caused', () => {
    const error = new ProxyConnectionError('http://proxy:3128/', { cause: systemError('ECONNREFUSED') });
    expect(classifyError(error).exitCode).toBe(EXIT.PROXY);
    expect(classifyError(error).message).toContain('Failed to connect to proxy URL http://proxy:3128/');
  });
});

describe('retry predicates', () => {
  it.each<[string, unknown, boolean, boolean]>([
    ['HTTP 429', sdkError('TooManyRequestsException', 'x', 429), true, false],
    ['ThrottlingException', sdkError('ThrottlingException'), true, false],
    ['a refused connection', systemError('ECONNREFUSED'), false, true],
    ['a DNS failure', systemError('ENOTFOUND'), false, true],
    [
      'an unreachable proxy',
      new ProxyConnectionError('http://p/', { cause: systemError('ECONNREFUSED') }),
      false,
      true,
    ],
    ['a timeout (the job may exist)', Object.assign(new Error('t'), { name: 'TimeoutError' }), false, false],
    ['a reset connection (the job may exist)', systemError('ECONNRESET'), false, false],
    ['a 500 (the job may exist)', sdkError('ServerException', 'x', 500), false, false],
  ])('%s: throttling %s, never sent %s', (_name, error, throttling, neverSent) => {
    expect(isThrottlingError(error)).toBe(throttling);
    expect(wasNeverSent(error)).toBe(neverSent);
  });
});
