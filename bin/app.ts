import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ConfigError, loadEnvironmentConfig } from '../config/load';
import type { EnvironmentConfig } from '../config/schema';
import { BatchOrchestratorStack } from '../lib/batch-orchestrator-stack';

const app = new App();
const environmentName = String(app.node.tryGetContext('env') ?? 'dev');

let config: EnvironmentConfig;
try {
  config = loadEnvironmentConfig(environmentName);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`error: ${error.message}`);
  process.exit(1);
}

new BatchOrchestratorStack(app, BatchOrchestratorStack.stackName(config.name), {
  config,
  env: config.account || config.region ? { account: config.account, region: config.region } : undefined,
});

Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
