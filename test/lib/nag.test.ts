import { App, type Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadEnvironmentConfig, parseEnvironmentConfig } from '../../config/load';
import type { EnvironmentConfig, EnvironmentConfigInput } from '../../config/schema';
import { BatchOrchestratorStack } from '../../lib/batch-orchestrator-stack';

// The CloudFormation validator costs seconds per synth; `npm run synth:all` runs it on the real
// dev and prod templates. cdk-nag is a separate plugin and still runs here.
vi.stubEnv('CDK_VALIDATION', 'false');

const ACKNOWLEDGED = Validations.ACKNOWLEDGED_RULES_METADATA_KEY;

/** Features the examples do not use: imported VPC, Fargate Spot, public image, launch template, full secret ARN. */
const variant: EnvironmentConfigInput = {
  name: 'qa',
  network: {
    mode: 'import',
    vpcId: 'vpc-0a1b2c3d',
    availabilityZones: ['eu-west-1a'],
    subnetIds: ['subnet-0a1b2c3d'],
    subnetType: 'public',
    securityGroupIds: ['sg-0a1b2c3d'],
  },
  computeEnvironments: {
    spot: {
      type: 'SPOT',
      maxvCpus: 8,
      spotBidPercentage: 50,
      imageId: 'ami-0123456789abcdef0',
      launchTemplate: { name: 'batch-lt' },
    },
    fargate: { type: 'FARGATE_SPOT', maxvCpus: 4 },
  },
  jobQueues: {
    ec2: { priority: 1, computeEnvironments: ['spot'] },
    fargate: { priority: 2, computeEnvironments: ['fargate'], stuckRunnableTimeoutMinutes: 10 },
  },
  jobDefinitions: {
    public: {
      image: { uri: 'public.ecr.aws/docker/library/busybox:1.36' },
      platform: 'FARGATE',
      vcpus: 1,
      memoryMiB: 2048,
    },
    private: {
      image: { ecrRepository: 'worker', tag: 'v2' },
      platform: 'EC2',
      vcpus: 1,
      memoryMiB: 512,
      secrets: {
        TOKEN: { secretsManager: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:token-AbCdEf' },
      },
    },
  },
  jobRunner: { defaultJobQueue: 'ec2' },
};

const configs: Array<[string, () => EnvironmentConfig]> = [
  ['dev', () => loadEnvironmentConfig('dev')],
  ['prod', () => loadEnvironmentConfig('prod')],
  [
    'a variant with an imported VPC, Fargate Spot and a public image',
    () => parseEnvironmentConfig('qa', variant),
  ],
];

function buildStack(config: EnvironmentConfig): { app: App; stack: Stack } {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new BatchOrchestratorStack(app, BatchOrchestratorStack.stackName(config.name), { config });
  return { app, stack };
}

function findings(stack: Stack): string[] {
  const report = new AwsSolutionsChecks().validateScope(stack);
  return report.violations.map(
    (violation) =>
      `${violation.severity} ${violation.ruleName}: ${violation.violatingResources.map((r) => r.constructPath).join(', ')}`,
  );
}

/** Every acknowledgement in the tree: construct path, finding id and reason. */
function acknowledgements(stack: Stack): Array<{ path: string; id: string; reason: string }> {
  return stack.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === ACKNOWLEDGED)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([key, reason]) => ({
          path: construct.node.path,
          id: key.replace(/^annotation::/i, ''),
          reason,
        })),
      ),
  );
}

describe('cdk-nag AwsSolutions', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it.each(configs)('reports no unacknowledged error or warning for %s', (_name, config) => {
    const { stack } = buildStack(config());
    expect(findings(stack)).toEqual([]);
  });

  it.each(configs)('reports no unacknowledged finding inside BatchInfrastructure for %s', (_name, config) => {
    const { stack } = buildStack(config());
    const infrastructure = (stack as BatchOrchestratorStack).infrastructure;
    const report = new AwsSolutionsChecks().validateScope(infrastructure);
    expect(report.violations.map((violation) => violation.ruleName)).toEqual([]);
  });

  it.each(configs)('acknowledges only findings that occur, each with a reason, for %s', (_name, config) => {
    const { stack } = buildStack(config());
    const nagAcknowledgements = acknowledgements(stack).filter((ack) => ack.id.startsWith('AwsSolutions-'));
    for (const ack of nagAcknowledgements) {
      expect(ack.reason.length, `${ack.id} on ${ack.path}`).toBeGreaterThan(60);
    }

    // Build the same stack again with acknowledgements switched off: every acknowledged id
    // must then be reported on the construct it was acknowledged on (no stale or broad ones).
    vi.spyOn(Validations.prototype, 'acknowledge').mockImplementation(() => undefined);
    const { stack: bare } = buildStack(config());
    const report = new AwsSolutionsChecks().validateScope(bare);
    const reported = report.violations.flatMap((violation) =>
      violation.violatingResources.map((resource) => ({
        id: violation.ruleName,
        path: resource.constructPath ?? '',
      })),
    );
    for (const ack of nagAcknowledgements) {
      const matches = reported.filter((r) => r.id === ack.id && r.path.startsWith(`${ack.path}/`));
      expect(
        matches.length,
        `${ack.id} on ${ack.path} is not reported without the acknowledgement`,
      ).toBeGreaterThan(0);
    }
    // And nothing is reported that is not acknowledged.
    for (const finding of reported) {
      expect(
        nagAcknowledgements.some((ack) => ack.id === finding.id && finding.path.startsWith(`${ack.path}/`)),
        `${finding.id} on ${finding.path}`,
      ).toBe(true);
    }
  });

  it('runs as a synth validation plugin without failing the synth', () => {
    const { app } = buildStack(loadEnvironmentConfig('dev'));
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
  });
});
