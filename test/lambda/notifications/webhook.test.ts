import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  createWebhookUrlProvider,
  validateWebhookUrl,
  WebhookConfigError,
} from '../../../lambda/notifications/slack-notifier/webhook';

const secrets = mockClient(SecretsManagerClient);
const URL_VALUE = 'https://hooks.slack.com/services/T0/B0/secretpart';

beforeEach(() => secrets.reset());

describe('validateWebhookUrl', () => {
  it.each([
    [URL_VALUE, URL_VALUE],
    [`  ${URL_VALUE}\n`, URL_VALUE],
    ['http://127.0.0.1:8080/services/x', 'http://127.0.0.1:8080/services/x'],
  ])('accepts %s', (value, expected) => {
    expect(validateWebhookUrl(value)).toBe(expected);
  });

  it.each([
    [undefined, /empty/],
    ['', /empty/],
    ['SET-ME', /not a URL/],
    ['http://hooks.slack.com/services/T0/B0/x', /expected an https URL, got a http: URL/],
    ['ftp://example.com/x', /expected an https URL/],
  ])('rejects %o without echoing it', (value, message) => {
    expect(() => validateWebhookUrl(value)).toThrow(WebhookConfigError);
    expect(() => validateWebhookUrl(value)).toThrow(message);
    try {
      validateWebhookUrl(value);
    } catch (error) {
      if (value) expect((error as Error).message).not.toContain(value);
    }
  });
});

describe('createWebhookUrlProvider', () => {
  it('reads the secret by id once and serves it from cache within the TTL', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: URL_VALUE });
    let now = 1_000;
    const provider = createWebhookUrlProvider(new SecretsManagerClient({}), {
      secretId: 'dev/slack-webhook',
      ttlMs: 60_000,
      now: () => now,
    });
    expect(await provider.get()).toBe(URL_VALUE);
    now += 59_000;
    expect(await provider.get()).toBe(URL_VALUE);
    expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 1);
    expect(secrets).toHaveReceivedCommandWith(GetSecretValueCommand, { SecretId: 'dev/slack-webhook' });
    now += 2_000;
    await provider.get();
    expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);
  });

  it('reads again after invalidate', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: URL_VALUE });
    const provider = createWebhookUrlProvider(new SecretsManagerClient({}), { secretId: 's' });
    await provider.get();
    provider.invalidate();
    await provider.get();
    expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);
  });

  it('throws WebhookConfigError while the secret still holds the placeholder', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: 'SET-ME: the Slack incoming-webhook URL' });
    const provider = createWebhookUrlProvider(new SecretsManagerClient({}), { secretId: 's' });
    await expect(provider.get()).rejects.toThrow(WebhookConfigError);
  });
});
