/**
 * Registry of environment configurations, selected with `cdk synth -c env=NAME`.
 * Add an environment by writing `config/<name>.ts` and listing it here.
 */
import { dev } from './dev';
import { prod } from './prod';
import type { EnvironmentConfigInput } from './schema';

/** Raw (unvalidated) configuration per environment name. */
export const environments = { dev, prod } as const satisfies Record<string, EnvironmentConfigInput>;
