/**
 * Environment the job-runner handlers read at load, for the harness and the
 * benchmark. Imported FIRST by `job-runner-harness.ts` so it runs before the
 * handler modules load; values already set (e.g. by `vi.hoisted`) win. It also
 * loads the Node 20 polyfills, so the benchmark runs outside vitest.
 */
import './node20-polyfills';

process.env.DEFAULT_JOB_QUEUE ??= 'default';
process.env.WAIT_TABLE_NAME ??= 'job-runner-waits';
process.env.AWS_REGION ??= 'eu-west-1';
process.env.AWS_ACCESS_KEY_ID ??= 'AKIDTEST';
process.env.AWS_SECRET_ACCESS_KEY ??= 'test-secret';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';
