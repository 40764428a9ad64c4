import { MissingEnvironmentError } from './errors';

/**
 * Reads a required environment variable; throws naming it when it is missing
 * or empty. Call at module scope so a misconfigured function fails at load.
 */
export function requireEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (value === undefined || value.trim() === '') throw new MissingEnvironmentError(name);
  return value;
}
