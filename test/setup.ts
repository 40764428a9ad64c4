/**
 * Test setup shared by every suite: SDK matchers, a Node 20 polyfill that
 * aws-local-stepfunctions needs, and environment defaults that keep the SDK
 * offline and quiet.
 */
import 'aws-sdk-client-mock-vitest/extend';
import './support/node20-polyfills';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.env.AWS_REGION ??= 'eu-west-1';
process.env.AWS_ACCESS_KEY_ID ??= 'AKIDTEST';
process.env.AWS_SECRET_ACCESS_KEY ??= 'test-secret';
process.env.POWERTOOLS_DEV ??= 'false';
process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';
process.env.CDK_DISABLE_CLI_TELEMETRY = 'true';
