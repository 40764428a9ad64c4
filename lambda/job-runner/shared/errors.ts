/**
 * Errors the job-runner handlers throw. Their `name` is what the state
 * machine's Retry/Catch match and what the Classify step turns into a SPEC
 * error name, so names are part of the contract between handlers and ASL.
 */
import type { z } from 'zod';

/** The event a handler received does not match its schema: a wiring bug, never user input. */
export class InvalidHandlerInputError extends Error {
  constructor(
    readonly handler: string,
    readonly issues: readonly string[],
  ) {
    super(`${handler}: invalid handler input: ${issues.join('; ')}`);
    this.name = 'InvalidHandlerInput';
  }
}

/**
 * A transient Batch failure (throttling, 5xx, network) whose SDK error name is
 * not one the state machine lists; rethrown under this stable name so the
 * state's Retry matches it.
 */
export class BatchUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BatchUnavailable';
  }
}

/**
 * An expected failure that ends the execution with a SPEC error name and the
 * contract Cause (e.g. Batch rejected SubmitJob). Thrown so the state's Catch
 * routes it, instead of a Choice on every successful result: the success path
 * stays one transition shorter. The message is the Cause JSON, which the
 * Classify step keeps as is (`normaliseCaughtError`).
 */
export class ContractFailureError extends Error {
  constructor(name: string, cause: string) {
    super(cause);
    this.name = name;
  }
}

/** Parses `input` with `schema` or throws {@link InvalidHandlerInputError} naming each bad path. */
export function parseHandlerInput<T extends z.ZodType>(
  handler: string,
  schema: T,
  input: unknown,
): z.infer<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new InvalidHandlerInputError(
    handler,
    result.error.issues.map((issue) => `${issue.path.map(String).join('.') || '$'}: ${issue.message}`),
  );
}
