/**
 * Test setup shared by every suite: SDK matchers, a Node 20 polyfill that
 * aws-local-stepfunctions needs, and environment defaults that keep the SDK
 * offline and quiet.
 */
import 'aws-sdk-client-mock-vitest/extend';

// aws-local-stepfunctions 3 declares Node >= 22 for Promise.withResolvers only.
if (typeof (Promise as { withResolvers?: unknown }).withResolvers !== 'function') {
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    value: <T>() => {
      let resolve!: (value: T | PromiseLike<T>) => void;
      let reject!: (reason?: unknown) => void;
      const promise = new Promise<T>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    },
  });
}

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.env.AWS_REGION ??= 'eu-west-1';
process.env.AWS_ACCESS_KEY_ID ??= 'AKIDTEST';
process.env.AWS_SECRET_ACCESS_KEY ??= 'test-secret';
process.env.POWERTOOLS_DEV ??= 'false';
process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';
process.env.CDK_DISABLE_CLI_TELEMETRY = 'true';
