import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';

/** Runtime of every handler: the newest Node.js runtime aws-cdk-lib offers. */
export const HANDLER_RUNTIME = lambda.Runtime.NODEJS_24_X;

/** Architecture of every handler: Graviton costs less per GB-second. */
export const HANDLER_ARCHITECTURE = lambda.Architecture.ARM_64;

/**
 * esbuild options shared by every handler: CommonJS for the runtime's loader, minified, and the
 * AWS SDK v3 left external because the Node.js 24 runtime ships it (smaller bundles, faster cold
 * starts). A function that must pin its SDK versions passes `{ externalModules: [] }`.
 */
export function handlerBundling(overrides: Partial<nodejs.BundlingOptions> = {}): nodejs.BundlingOptions {
  return {
    format: nodejs.OutputFormat.CJS,
    target: 'node24',
    minify: true,
    sourceMap: false,
    externalModules: ['@aws-sdk/*'],
    ...overrides,
  };
}
