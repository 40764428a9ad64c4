/**
 * The job request of `submit` and `run`: a JSON file (`--request`) merged with
 * flags, validated with the job runner's own schema before anything is sent.
 */
import { readFile } from 'node:fs/promises';
import type { InvalidField } from '../../lambda/shared/errors';
import { type JobRequest, parseJobRequest } from '../../lambda/shared/job-request';
import { InvalidRequestError } from './errors';
import { flagForPath, type RequestSpec } from './parse';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Objects merged key by key when both the file and the flags set them; anything else: the flag wins. */
const MERGED_OBJECTS = new Set(['parameters', 'tags', 'containerOverrides', 'retryStrategy', 'timeout']);

/**
 * Merges the flags over the file: top-level fields given as flags replace the
 * file's; `parameters`, `tags`, `containerOverrides`, `retryStrategy` and
 * `timeout` are merged one level deep (so `--attempts 3` keeps the file's
 * `evaluateOnExit`, `--env` replaces the file's environment list).
 */
export function mergeRequest(file: unknown, flags: Json): unknown {
  if (file === undefined) return { ...flags };
  if (!isObject(file)) return file; // the schema reports "expected a JSON object"
  const out: Json = { ...file };
  for (const [key, value] of Object.entries(flags)) {
    const current = out[key];
    out[key] =
      MERGED_OBJECTS.has(key) && isObject(current) && isObject(value) ? { ...current, ...value } : value;
  }
  return out;
}

/** Adds the flag that sets each bad field, so users know what to fix on the command line. */
export function withFlagNames(fields: readonly InvalidField[]): InvalidField[] {
  return fields.map((f) => {
    const flag = flagForPath(f.path);
    return flag === undefined ? f : { ...f, message: `${f.message} (${flag})` };
  });
}

/** Validates a merged request with the shared schema; throws {@link InvalidRequestError} naming every bad field. */
export function validateRequest(input: unknown): JobRequest {
  const result = parseJobRequest(input);
  if (!result.ok) throw new InvalidRequestError(result.cause.reason, withFlagNames(result.cause.fields));
  return result.request;
}

/** Reads and parses `--request`; an unreadable file or invalid JSON is an invalid request (exit 64). */
export async function readRequestFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as { code?: string }).code ?? 'unreadable';
    throw new InvalidRequestError(`Cannot read request file ${path} (${code})`, [
      { path: '$', message: `cannot read ${path} (${code})`, received: null },
    ]);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new InvalidRequestError(`Request file ${path} is not valid JSON`, [
      { path: '$', message: `invalid JSON: ${detail}`, received: null },
    ]);
  }
}

/** The raw request (file merged with flags), not yet validated: what `run` sends as execution input. */
export async function loadRequestInput(spec: RequestSpec): Promise<unknown> {
  const file = spec.file === undefined ? undefined : await readRequestFile(spec.file);
  return mergeRequest(file, spec.fields as Json);
}
