/**
 * Node 20 polyfills: aws-local-stepfunctions 3 declares Node >= 22 for `Promise.withResolvers`
 * only. Imported by the vitest setup file and by the benchmark (which runs outside vitest).
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
