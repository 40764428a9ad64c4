/**
 * Environment the job-runner handlers read at load, for the harness and the
 * benchmark. Imported FIRST by `job-runner-harness.ts` so it runs before the
 * handler modules load; values already set (e.g. by `vi.hoisted`) win. Also
 * the Node 20 polyfill aws-local-stepfunctions 3 needs (`Promise.withResolvers`),
 * so the benchmark runs outside vitest.
 */
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

process.env.DEFAULT_JOB_QUEUE ??= 'default';
process.env.WAIT_TABLE_NAME ??= 'job-runner-waits';
process.env.AWS_REGION ??= 'eu-west-1';
process.env.AWS_ACCESS_KEY_ID ??= 'AKIDTEST';
process.env.AWS_SECRET_ACCESS_KEY ??= 'test-secret';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';
