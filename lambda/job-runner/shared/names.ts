/**
 * Short names: a job request may name this environment's queues and job definitions by their
 * config names (`processor`) as well as by their physical names (`dev-processor`) or ARNs. The
 * stack passes the map in `RESOURCE_NAME_ALIASES`; Validate resolves the names before anything
 * reaches Batch, and the reaper resolves them the same way to find the job.
 */
import { z } from 'zod';

/** Config short name -> physical name, for queues and job definitions. */
export interface NameAliases {
  readonly jobQueues: Readonly<Record<string, string>>;
  readonly jobDefinitions: Readonly<Record<string, string>>;
}

/** No aliases: every name is used as given. */
export const NO_ALIASES: NameAliases = { jobQueues: {}, jobDefinitions: {} };

const aliasesSchema = z.strictObject({
  jobQueues: z.record(z.string(), z.string().min(1)),
  jobDefinitions: z.record(z.string(), z.string().min(1)),
});

/** Environment variable holding the aliases as JSON. */
export const ALIASES_ENV = 'RESOURCE_NAME_ALIASES';

/** Reads {@link ALIASES_ENV}; absent means no aliases, malformed fails naming the variable. */
export function aliasesFromEnv(env: NodeJS.ProcessEnv = process.env): NameAliases {
  const raw = env[ALIASES_ENV];
  if (raw === undefined || raw.trim() === '') return NO_ALIASES;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new Error(`${ALIASES_ENV} must be JSON { jobQueues, jobDefinitions }`);
  }
  const parsed = aliasesSchema.safeParse(json);
  if (!parsed.success)
    throw new Error(`${ALIASES_ENV} must be JSON { jobQueues, jobDefinitions } of strings`);
  return parsed.data;
}

/** A queue's physical name for a short name; names that are not aliases and ARNs are kept. */
export function resolveJobQueue(queue: string, aliases: NameAliases): string {
  if (queue.startsWith('arn:')) return queue;
  return aliases.jobQueues[queue] ?? queue;
}

/** `processor` -> `dev-processor`, `processor:3` -> `dev-processor:3`; other names and ARNs are kept. */
export function resolveJobDefinition(definition: string, aliases: NameAliases): string {
  if (definition.startsWith('arn:')) return definition;
  const [name = '', revision] = definition.split(':');
  const physical = aliases.jobDefinitions[name];
  if (physical === undefined) return definition;
  return revision === undefined ? physical : `${physical}:${revision}`;
}

/** The submit fields with their queue and job definition resolved. */
export function resolveNames<
  T extends { readonly jobQueue?: string | undefined; readonly jobDefinition: string },
>(submit: T, aliases: NameAliases): T {
  return {
    ...submit,
    jobDefinition: resolveJobDefinition(submit.jobDefinition, aliases),
    ...(submit.jobQueue !== undefined && { jobQueue: resolveJobQueue(submit.jobQueue, aliases) }),
  };
}
