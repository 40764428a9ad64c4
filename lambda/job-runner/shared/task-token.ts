/**
 * Completing a callback wait: SendTaskSuccess with a check result. Both the
 * Await step and the Wake function may complete the same wait (they race by
 * design); the loser gets TaskTimedOut / InvalidToken / TaskDoesNotExist, which
 * is an expected outcome, not an error.
 */
import { SendTaskSuccessCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { CheckResult } from './poll';

/** SendTaskSuccess errors meaning "this wait is already over". */
export const STALE_TOKEN_ERRORS: ReadonlySet<string> = new Set([
  'TaskTimedOut',
  'InvalidToken',
  'TaskDoesNotExist',
]);

/** Sends the result; `stale` when the wait was already completed or timed out. */
export async function completeWait(
  client: SFNClient,
  taskToken: string,
  result: CheckResult,
): Promise<'sent' | 'stale'> {
  try {
    await client.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(result) }));
    return 'sent';
  } catch (error) {
    if (STALE_TOKEN_ERRORS.has((error as Error | undefined)?.name ?? '')) return 'stale';
    throw error;
  }
}
