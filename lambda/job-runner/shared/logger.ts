/**
 * One Powertools Logger per function, JSON lines, no secrets: handlers log one
 * line per event with the identifiers needed to follow an execution.
 */
import { Logger } from '@aws-lambda-powertools/logger';

/** Service name every job-runner log line carries. */
export const SERVICE_NAME = 'batch-orchestrator-job-runner';

/** Creates the module-scope logger of one handler. */
export function createLogger(handler: string): Logger {
  return new Logger({ serviceName: SERVICE_NAME, persistentKeys: { handler } });
}
