/**
 * Typed errors shared by the handlers and the CLI. Each sets `name`, which is
 * what Step Functions matches in Retry/Catch and what the CLI maps to an exit
 * code. Expected job outcomes are data (see `classify.ts`), not exceptions.
 */

/** A required environment variable is missing or empty (thrown at module load). */
export class MissingEnvironmentError extends Error {
  constructor(readonly variable: string) {
    super(`Missing required environment variable ${variable}`);
    this.name = 'MissingEnvironmentError';
  }
}

/** One invalid field of a job request, as reported in the `InvalidJobRequest` Cause. */
export interface InvalidField {
  /** Dotted path with array indices, e.g. `containerOverrides.environment[0].name`; `$` is the whole request. */
  readonly path: string;
  /** What is allowed, in words. */
  readonly message: string;
  /** The value received (`null` when the field is missing); long values are shortened. */
  readonly received: unknown;
}

/** The Cause of an `InvalidJobRequest` failure (public contract). */
export interface InvalidJobRequestCause {
  readonly reason: string;
  readonly fields: readonly InvalidField[];
}

/** The job request breaks a rule of the contract; nothing was sent to Batch. */
export class InvalidJobRequestError extends Error {
  constructor(readonly details: InvalidJobRequestCause) {
    super(JSON.stringify(details));
    this.name = 'InvalidJobRequest';
  }
}
