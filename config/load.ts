/**
 * Loading and validating an environment's configuration, with errors a person can act on:
 * `Invalid config for environment "dev": jobQueues.main.priority: received 5000, expected a number <= 1000`.
 */
import type { z } from 'zod';
import { environments } from './index';
import { type EnvironmentConfig, environmentConfigSchema } from './schema';

/** One invalid field. */
export interface ConfigIssue {
  /** Dotted path of the field, e.g. `jobQueues.main.priority` or `schedules[0].name`. */
  readonly path: string;
  /** What is allowed, e.g. `expected a number <= 1000`. */
  readonly message: string;
  /** The value found, as JSON (`undefined` when the field is missing). */
  readonly received?: string;
}

/** An environment's configuration is unknown or invalid. Its message is meant for the user as is. */
export class ConfigError extends Error {
  constructor(
    /** The environment name that was asked for. */
    readonly environment: string,
    /** Every invalid field (empty for an unknown environment). */
    readonly issues: readonly ConfigIssue[],
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ConfigError';
  }
}

/**
 * Validates `raw` as the configuration of environment `name` and applies defaults.
 * @throws ConfigError naming the environment and every bad field, its value and what is allowed
 */
export function parseEnvironmentConfig(name: string, raw: unknown): EnvironmentConfig {
  const result = environmentConfigSchema.safeParse(raw, { reportInput: true });
  const issues = result.success ? [] : result.error.issues.flatMap(toConfigIssues);
  if (result.success && result.data.name !== name) {
    issues.push({
      path: 'name',
      received: JSON.stringify(result.data.name),
      message: `expected ${JSON.stringify(name)} (the environment this file is registered as)`,
    });
  }
  if (issues.length > 0 || !result.success) {
    const lines = issues.map(formatIssue);
    const body = lines.length === 1 ? ` ${lines[0]}` : `\n${lines.map((line) => `  - ${line}`).join('\n')}`;
    throw new ConfigError(name, issues, `Invalid config for environment ${JSON.stringify(name)}:${body}`, {
      cause: result.error,
    });
  }
  return result.data;
}

/**
 * Loads `config/<name>.ts` (registered in `config/index.ts`) and validates it.
 * @throws ConfigError for an unknown environment (listing the known ones) or an invalid config
 */
export function loadEnvironmentConfig(name: string): EnvironmentConfig {
  const raw = Object.hasOwn(environments, name) ? environments[name as keyof typeof environments] : undefined;
  if (raw === undefined) {
    const known = Object.keys(environments)
      .map((env) => JSON.stringify(env))
      .join(', ');
    throw new ConfigError(name, [], `Unknown environment ${JSON.stringify(name)}: expected one of ${known}`);
  }
  return parseEnvironmentConfig(name, raw);
}

function formatIssue(issue: ConfigIssue): string {
  const received = issue.received === undefined ? 'missing' : `received ${issue.received}`;
  return `${issue.path || '(config)'}: ${received}, ${issue.message}`;
}

function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((key, index) => {
      if (typeof key === 'number') return `[${key}]`;
      const text = String(key);
      return index === 0 ? text : `.${text}`;
    })
    .join('');
}

function describeValue(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  const json = JSON.stringify(value) ?? String(value);
  return json.length > 80 ? `${json.slice(0, 77)}...` : json;
}

const TYPE_NAMES: Record<string, string> = {
  int: 'an integer',
  number: 'a number',
  string: 'a string',
  boolean: 'a boolean (true or false)',
  object: 'an object',
  array: 'a list',
  record: 'an object',
};

function toConfigIssues(issue: z.core.$ZodIssue): ConfigIssue[] {
  const input = (issue as { input?: unknown }).input;
  const path = formatPath(issue.path);
  switch (issue.code) {
    case 'invalid_type':
      return [
        {
          path,
          received: describeValue(input),
          message: `expected ${TYPE_NAMES[issue.expected] ?? issue.expected}`,
        },
      ];
    case 'too_big':
    case 'too_small': {
      const big = issue.code === 'too_big';
      const limit = big ? issue.maximum : issue.minimum;
      const inclusive = issue.inclusive !== false;
      let message: string;
      if (issue.origin === 'number' || issue.origin === 'int' || issue.origin === 'bigint') {
        message = `expected a number ${big ? '<' : '>'}${inclusive ? '=' : ''} ${limit}`;
      } else {
        const unit = (issue.origin === 'string' ? 'character' : 'item') + (Number(limit) === 1 ? '' : 's');
        message = `expected ${big ? 'at most' : 'at least'} ${limit} ${unit}`;
      }
      return [{ path, received: describeValue(input), message }];
    }
    case 'invalid_value':
      return [
        {
          path,
          received: describeValue(input),
          message:
            issue.values.length === 1
              ? `expected ${describeValue(issue.values[0])}`
              : `expected one of ${issue.values.map(describeValue).join(', ')}`,
        },
      ];
    case 'unrecognized_keys':
      return issue.keys.map((key) => ({
        path: formatPath([...issue.path, key]),
        received: describeValue((input as Record<string, unknown> | undefined)?.[key]),
        message: `unknown key, ${issue.message}`,
      }));
    case 'invalid_key':
      return issue.issues.map((inner) => ({
        path,
        received: describeValue((inner as { input?: unknown }).input),
        message: `invalid key, ${inner.message}`,
      }));
    case 'invalid_union': {
      const discriminator = (issue as { discriminator?: string }).discriminator;
      const options = (issue as { options?: unknown[] }).options;
      if (discriminator && options) {
        return [
          {
            path,
            received: describeValue((input as Record<string, unknown> | undefined)?.[discriminator]),
            message: `expected one of ${options.map(describeValue).join(', ')}`,
          },
        ];
      }
      return [{ path, received: describeValue(input), message: 'expected one of the allowed forms' }];
    }
    case 'invalid_format':
      return [
        {
          path,
          received: describeValue(input),
          message: issue.message.startsWith('expected')
            ? issue.message
            : `expected a string matching ${issue.pattern}`,
        },
      ];
    case 'not_multiple_of':
      return [{ path, received: describeValue(input), message: `expected a multiple of ${issue.divisor}` }];
    default:
      return [{ path, received: describeValue(input), message: issue.message }];
  }
}
