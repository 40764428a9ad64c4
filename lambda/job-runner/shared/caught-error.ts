/**
 * Turns whatever a Catch caught into a SPEC error name and contract Cause.
 *
 * In Step Functions an error thrown by a Lambda arrives as Error = the
 * error's name and Cause = the Lambda wrapper JSON
 * `{"errorType","errorMessage","trace"}`; States errors (`States.Timeout`, ...)
 * carry a plain-text Cause. The contract allows neither to leak: this module
 * keeps the error name and a cleaned-up message (no trace, no file paths) and
 * picks the closest SPEC error.
 */
import {
  type BatchErrorName,
  type Classification,
  ERROR_NAMES,
  type FailureCause,
} from '../../shared/classify';
import { BATCH_TRANSIENT_ERROR_NAMES } from './batch-api';

/** A Catch result as Step Functions writes it. */
export interface CaughtError {
  readonly Error: string;
  readonly Cause?: string | null | undefined;
}

/** A SPEC error and its Cause JSON string, ready for a Fail state. */
export interface ContractFailure {
  readonly error: string;
  readonly cause: string;
}

const MAX_MESSAGE_LENGTH = 300;

/** Errors meaning the caller (this app's role or request) is not allowed: Batch rejected the request. */
const REJECTED_NAMES = new Set(['ClientException', 'AccessDeniedException', 'UnrecognizedClientException']);

/** Errors that no retry can fix: a configuration or wiring bug of the deployment. */
const PERMANENT_FAULTS = new Set([
  'MissingEnvironmentError',
  'InvalidHandlerInput',
  'Runtime.ImportModuleError',
  'Runtime.HandlerNotFound',
  'Runtime.UserCodeSyntaxError',
  'Lambda.ResourceNotFoundException',
  'Lambda.AccessDeniedException',
  'States.Runtime',
  'States.ResultPathMatchFailure',
  'States.ParameterPathFailure',
]);

/** Normalises a caught error into a SPEC error and contract Cause. Never throws. */
export function normaliseCaughtError(caught: CaughtError, context: { jobId?: string } = {}): ContractFailure {
  const name = caught.Error || 'States.TaskFailed';
  const { errorType, message, contractCause } = readCause(caught.Cause);

  // Already a contract failure (e.g. a handler threw InvalidJobRequest with its Cause): keep it.
  if (ERROR_NAMES.includes(name) && contractCause !== undefined) {
    return { error: name, cause: JSON.stringify(contractCause) };
  }

  const effectiveName = errorType ?? name;
  const detail = message ? `: ${message}` : '';
  let classification: Classification;
  let retryable: boolean;
  let reason: string;
  if (REJECTED_NAMES.has(effectiveName) || REJECTED_NAMES.has(name)) {
    classification = 'ClientError';
    retryable = false;
    reason = `Batch rejected the request (${effectiveName})${detail}`;
  } else if ((BATCH_TRANSIENT_ERROR_NAMES as readonly string[]).includes(name)) {
    classification = 'InfrastructureError';
    retryable = true;
    reason = `the Batch API kept failing with ${name} after the state's retries were exhausted${detail}`;
  } else if (name === 'States.Timeout' || name === 'Sandbox.Timedout') {
    classification = 'InfrastructureError';
    retryable = true;
    reason = `a job-runner step timed out (${name})${detail}`;
  } else {
    classification = 'InfrastructureError';
    retryable = !PERMANENT_FAULTS.has(name) && !PERMANENT_FAULTS.has(effectiveName);
    reason = `the job runner failed (${effectiveName})${detail}`;
  }
  const cause: FailureCause = {
    ...(context.jobId ? { jobId: context.jobId } : {}),
    reason,
    classification,
    retryable,
  };
  return { error: `Batch.${classification}` satisfies BatchErrorName, cause: JSON.stringify(cause) };
}

function readCause(cause: string | null | undefined): {
  errorType?: string;
  message?: string;
  contractCause?: Record<string, unknown>;
} {
  if (cause === undefined || cause === null || cause === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(cause);
  } catch {
    return { message: sanitiseMessage(cause) };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { message: sanitiseMessage(String(parsed)) };
  }
  const record = parsed as Record<string, unknown>;
  if ('errorType' in record || 'errorMessage' in record || 'trace' in record) {
    const errorType = typeof record.errorType === 'string' ? record.errorType : undefined;
    const inner = typeof record.errorMessage === 'string' ? record.errorMessage : '';
    // A handler may throw a contract error whose message is the contract Cause JSON.
    const innerContract = tryContract(inner);
    if (innerContract !== undefined) return { errorType, contractCause: innerContract };
    return { errorType, message: sanitiseMessage(inner) };
  }
  if ('classification' in record || 'fields' in record) return { contractCause: record };
  return { message: sanitiseMessage(cause) };
}

function tryContract(text: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value === 'object' && value !== null && ('classification' in value || 'fields' in value)) {
      return value as Record<string, unknown>;
    }
  } catch {
    // not JSON: an ordinary message
  }
  return undefined;
}

/** Keeps the first line, hides file paths and stack frames, and bounds the length. */
export function sanitiseMessage(message: string): string {
  const firstLine = message.split(/\r?\n/)[0] ?? '';
  const cleaned = firstLine
    .replace(/\s+at\s+\S+\s+\(.*?\)/g, '')
    .replace(/(?:file:\/\/)?(?:[A-Za-z]:)?(?:[/\\][\w.@+-]+){2,}(?::\d+){0,2}/g, '<path>')
    .trim();
  return cleaned.length > MAX_MESSAGE_LENGTH ? `${cleaned.slice(0, MAX_MESSAGE_LENGTH)}...` : cleaned;
}
