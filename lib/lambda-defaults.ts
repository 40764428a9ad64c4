import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

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

/**
 * A handler's role that may write only to its own log group: an explicit role instead of the
 * AWSLambdaBasicExecutionRole managed policy, which allows every log group of the account.
 * Callers add what the handler itself needs.
 */
export function handlerRole(
  scope: Construct,
  id: string,
  logGroup: logs.ILogGroup,
  description: string,
): iam.Role {
  const role = new iam.Role(scope, id, {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description,
  });
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'WriteOwnLogs',
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [logGroup.logGroupArn],
    }),
  );
  return role;
}
