/**
 * The Slack incoming-webhook URL, read from Secrets Manager (SPEC: the
 * secret's value is the URL as a plain string) and cached in module scope
 * with a TTL, so a warm function does not call Secrets Manager per message
 * and an operator's new URL is picked up within the TTL.
 *
 * The URL is a credential: it is never logged and never put in an error.
 */
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/** The secret does not hold a usable webhook URL (e.g. still the placeholder). Not retryable. */
export class WebhookConfigError extends Error {
  constructor(reason: string, options?: { cause?: unknown }) {
    super(`Slack webhook secret is not usable: ${reason}`, options);
    this.name = 'WebhookConfigError';
  }
}

/** Reads the webhook URL; `invalidate` forces the next `get` to read the secret again. */
export interface WebhookUrlProvider {
  get(): Promise<string>;
  invalidate(): void;
}

/** Options of {@link createWebhookUrlProvider}. */
export interface WebhookUrlProviderOptions {
  /** The secret's ARN or name (never the URL). */
  readonly secretId: string;
  /** @default 300000 (5 minutes) */
  readonly ttlMs?: number;
  readonly now?: () => number;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Checks the secret's value is an absolute https URL. Plain http is accepted
 * only for a loopback host: nothing leaves the machine, and it lets tests
 * point the notifier at a local fake Slack.
 */
export function validateWebhookUrl(value: string | undefined): string {
  const trimmed = value?.trim() ?? '';
  if (trimmed === '') throw new WebhookConfigError('the secret value is empty');
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    // Never echo the value: it may be a real URL with a typo.
    throw new WebhookConfigError('the secret value is not a URL (set it to the incoming-webhook URL)');
  }
  const secure = url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname));
  if (!secure) throw new WebhookConfigError(`expected an https URL, got a ${url.protocol} URL`);
  return trimmed;
}

/** Creates a cached provider backed by `client`. */
export function createWebhookUrlProvider(
  client: SecretsManagerClient,
  options: WebhookUrlProviderOptions,
): WebhookUrlProvider {
  const ttlMs = options.ttlMs ?? 300_000;
  const now = options.now ?? (() => Date.now());
  let cached: { url: string; expiresAt: number } | undefined;
  return {
    async get() {
      if (cached !== undefined && cached.expiresAt > now()) return cached.url;
      const output = await client.send(new GetSecretValueCommand({ SecretId: options.secretId }));
      const url = validateWebhookUrl(output.SecretString);
      cached = { url, expiresAt: now() + ttlMs };
      return url;
    },
    invalidate() {
      cached = undefined;
    },
  };
}
