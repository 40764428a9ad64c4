/**
 * Typed errors of `batchctl`. Each sets `name`, which `exit-codes.ts` maps to
 * an exit code. Job outcomes (a FAILED job) are data, not errors.
 */
import type { InvalidField } from '../../lambda/shared/errors';

/** Bad command line: unknown flag, missing argument, malformed value. Exit 64; nothing was sent. */
export class UsageError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UsageError';
  }
}

/** The job request (request file and flags) breaks the contract. Exit 64; nothing was sent. */
export class InvalidRequestError extends Error {
  constructor(
    readonly reason: string,
    readonly fields: readonly InvalidField[],
  ) {
    super(reason);
    this.name = 'InvalidJobRequest';
  }
}

/** DescribeJobs does not know the job id. Exit 1. */
export class JobNotFoundError extends Error {
  constructor(readonly jobId: string) {
    super(`Job ${jobId} was not found (unknown id, or the job expired: Batch keeps jobs for about 7 days)`);
    this.name = 'JobNotFoundError';
  }
}

/** Connecting to the HTTPS proxy failed, or the proxy refused the tunnel. Exit 11. */
export class ProxyConnectionError extends Error {
  constructor(
    readonly proxyUrl: string,
    options?: { cause?: unknown },
  ) {
    const cause = options?.cause;
    const detail = cause instanceof Error ? `: ${cause.message || (cause as { code?: string }).code}` : '';
    super(`ProxyConnectionError: Failed to connect to proxy URL ${proxyUrl}${detail}`, options);
    this.name = 'ProxyConnectionError';
  }
}

/** The state machine could not be found (stack output missing, unknown name). Exit 1. */
export class StateMachineNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StateMachineNotFoundError';
  }
}
