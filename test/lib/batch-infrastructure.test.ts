import { App, Validations } from 'aws-cdk-lib';

import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { parseEnvironmentConfig } from '../../config/load';
import type { EnvironmentConfigInput } from '../../config/schema';
import { BatchOrchestratorStack } from '../../lib/batch-orchestrator-stack';

// The CloudFormation validator costs seconds per synth; `npm run synth:all` runs it on the real
// dev and prod templates. cdk-nag is a separate plugin and still runs here.
vi.stubEnv('CDK_VALIDATION', 'false');

/** A config that uses every feature once. */
function fullConfig(): EnvironmentConfigInput {
  return {
    name: 'dev',
    tags: { Project: 'batch-orchestrator', Team: 'data' },
    network: { mode: 'create' },
    computeEnvironments: {
      ondemand: {
        type: 'EC2',
        maxvCpus: 16,
        instanceTypes: ['m6i.large', 'c6i.xlarge'],
        imageId: 'ami-0123456789abcdef0',
        launchTemplate: { name: 'batch-hardening', version: '3' },
      },
      spot: {
        type: 'SPOT',
        maxvCpus: 64,
        instanceClasses: ['c6i', 'm6i'],
        spotBidPercentage: 60,
        launchTemplate: { id: 'lt-0123456789abcdef0' },
      },
      optimal: { type: 'EC2', maxvCpus: 8, minvCpus: 2, enabled: false },
      fargate: { type: 'FARGATE', maxvCpus: 4 },
      'fargate-spot': { type: 'FARGATE_SPOT', maxvCpus: 8 },
    },
    jobQueues: {
      main: { priority: 5, computeEnvironments: ['spot', 'ondemand'], stuckRunnableTimeoutMinutes: 45 },
      small: { priority: 900, enabled: false, computeEnvironments: ['fargate-spot', 'fargate'] },
    },
    jobDefinitions: {
      processor: {
        image: { ecrRepository: 'team/processor', tag: '1.0.0' },
        platform: 'EC2',
        vcpus: 2,
        memoryMiB: 4096,
        gpus: 1,
        command: ['process', 'Ref::input'],
        parameters: { input: 'incoming/' },
        environment: { LOG_LEVEL: 'info' },
        secrets: {
          DB_PASSWORD: { secretsManager: 'app/db', field: 'password' },
          API_TOKEN: { ssmParameter: '/app/token' },
          FULL_ARN: {
            secretsManager: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:app/full-AbCdEf',
          },
        },
        timeoutSeconds: 3600,
        logRetentionDays: 14,
        jobRolePolicyStatements: [
          { actions: ['s3:GetObject'], resources: ['arn:aws:s3:::data-bucket/incoming/*'] },
        ],
      },
      poller: {
        image: { uri: 'public.ecr.aws/docker/library/busybox:1.36' },
        platform: 'FARGATE',
        vcpus: 0.25,
        memoryMiB: 512,
        user: '1000:1000',
        readonlyRootFilesystem: false,
        propagateTags: false,
        retry: {
          attempts: 2,
          evaluateOnExit: [
            { action: 'RETRY', onExitCode: '75' },
            { action: 'EXIT', onReason: '*' },
          ],
        },
        canSubmit: [{ jobQueue: 'main', jobDefinition: 'processor' }],
      },
    },
    jobRunner: { defaultJobQueue: 'main' },
  };
}

function synth(raw: EnvironmentConfigInput = fullConfig()) {
  const config = parseEnvironmentConfig(raw.name, raw);
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new BatchOrchestratorStack(app, BatchOrchestratorStack.stackName(config.name), { config });
  return { stack, template: Template.fromStack(stack) };
}

/** Logical id of the L1 resource behind a construct of the infrastructure. */
function logicalId(stack: BatchOrchestratorStack, path: string): string {
  const child = stack.infrastructure.node.findChild(path).node.defaultChild;
  if (!child) throw new Error(`no default child under ${path}`);
  return stack.getLogicalId(child as never);
}

function jobDefinitionImage(template: Template, name: string): unknown {
  const found = template.findResources('AWS::Batch::JobDefinition', {
    Properties: { JobDefinitionName: name },
  });
  const [resource] = Object.values(found);
  return (resource as { Properties: { ContainerProperties: { Image: unknown } } }).Properties
    .ContainerProperties.Image;
}

describe('BatchInfrastructure', () => {
  let stack: BatchOrchestratorStack;
  let template: Template;

  beforeAll(() => {
    ({ stack, template } = synth());
  });

  describe('network', () => {
    it('creates a VPC with public subnets only and no NAT gateway', () => {
      template.resourceCountIs('AWS::EC2::VPC', 1);
      template.hasResourceProperties('AWS::EC2::VPC', { CidrBlock: '10.40.0.0/16' });
      template.resourceCountIs('AWS::EC2::NatGateway', 0);
      template.resourceCountIs('AWS::EC2::Subnet', 2);
      template.allResourcesProperties('AWS::EC2::Subnet', { MapPublicIpOnLaunch: true });
    });

    it('sends VPC flow logs to a log group', () => {
      template.hasResourceProperties('AWS::EC2::FlowLog', {
        LogDestinationType: 'cloud-watch-logs',
        TrafficType: 'ALL',
        ResourceType: 'VPC',
      });
    });

    it('creates an egress-only security group', () => {
      template.hasResourceProperties('AWS::EC2::SecurityGroup', {
        SecurityGroupEgress: [{ CidrIp: '0.0.0.0/0', IpProtocol: '-1' }],
        SecurityGroupIngress: Match.absent(),
      });
      template.resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
    });

    it('imports an existing VPC by ids without a lookup and attaches extra security groups', () => {
      const raw = fullConfig();
      raw.network = {
        mode: 'import',
        vpcId: 'vpc-0a1b2c3d',
        availabilityZones: ['eu-west-1a', 'eu-west-1b'],
        subnetIds: ['subnet-0a1b2c3d', 'subnet-1a1b2c3d'],
        securityGroupIds: ['sg-0a1b2c3d'],
      };
      const imported = synth(raw);

      imported.template.resourceCountIs('AWS::EC2::VPC', 0);
      imported.template.resourceCountIs('AWS::EC2::FlowLog', 0);
      imported.template.hasResourceProperties('AWS::EC2::SecurityGroup', { VpcId: 'vpc-0a1b2c3d' });
      imported.template.hasResourceProperties('AWS::Batch::ComputeEnvironment', {
        ComputeResources: Match.objectLike({
          Type: 'SPOT',
          Subnets: ['subnet-0a1b2c3d', 'subnet-1a1b2c3d'],
          SecurityGroupIds: [Match.objectLike({ 'Fn::GetAtt': Match.anyValue() }), 'sg-0a1b2c3d'],
        }),
      });
      // Private subnets: no public IP for Fargate tasks.
      imported.template.hasResourceProperties('AWS::Batch::JobDefinition', {
        JobDefinitionName: 'dev-poller',
        ContainerProperties: Match.objectLike({ NetworkConfiguration: { AssignPublicIp: 'DISABLED' } }),
      });
    });
  });

  describe('compute environments', () => {
    it('creates an On-Demand EC2 environment that scales to zero with best-fit-progressive allocation', () => {
      template.hasResourceProperties('AWS::Batch::ComputeEnvironment', {
        Type: 'managed',
        State: 'ENABLED',
        ComputeResources: Match.objectLike({
          Type: 'EC2',
          MinvCpus: 0,
          MaxvCpus: 16,
          AllocationStrategy: 'BEST_FIT_PROGRESSIVE',
          InstanceTypes: ['m6i.large', 'c6i.xlarge'],
          SecurityGroupIds: [Match.objectLike({ 'Fn::GetAtt': Match.anyValue() })],
        }),
      });
    });

    it('uses a custom AMI and a launch template by name with its version', () => {
      template.hasResourceProperties('AWS::Batch::ComputeEnvironment', {
        ComputeResources: Match.objectLike({
          Type: 'EC2',
          MaxvCpus: 16,
          Ec2Configuration: [{ ImageIdOverride: 'ami-0123456789abcdef0', ImageType: 'ECS_AL2023' }],
          LaunchTemplate: { LaunchTemplateName: 'batch-hardening', Version: '3' },
        }),
      });
    });

    it('creates a Spot environment with price-capacity-optimized allocation and a bid percentage', () => {
      template.hasResourceProperties('AWS::Batch::ComputeEnvironment', {
        ComputeResources: Match.objectLike({
          Type: 'SPOT',
          MinvCpus: 0,
          MaxvCpus: 64,
          AllocationStrategy: 'SPOT_PRICE_CAPACITY_OPTIMIZED',
          BidPercentage: 60,
          InstanceTypes: ['c6i', 'm6i'],
          Ec2Configuration: [{ ImageType: 'ECS_AL2023' }],
          LaunchTemplate: { LaunchTemplateId: 'lt-0123456789abcdef0', Version: '$Default' },
        }),
      });
    });

    it('lets Batch pick its default x86 classes when no instance choice is given and keeps min vCPUs and state', () => {
      template.hasResourceProperties('AWS::Batch::ComputeEnvironment', {
        State: 'DISABLED',
        ComputeResources: Match.objectLike({
          Type: 'EC2',
          MinvCpus: 2,
          MaxvCpus: 8,
          InstanceTypes: ['default_x86_64'],
        }),
      });
    });

    it('creates Fargate and Fargate Spot environments', () => {
      template.hasResourceProperties('AWS::Batch::ComputeEnvironment', {
        ComputeResources: Match.objectLike({ Type: 'FARGATE', MaxvCpus: 4 }),
      });
      template.hasResourceProperties('AWS::Batch::ComputeEnvironment', {
        ComputeResources: Match.objectLike({ Type: 'FARGATE_SPOT', MaxvCpus: 8 }),
      });
    });

    it('uses the Batch service-linked role instead of a service role', () => {
      template.allResourcesProperties('AWS::Batch::ComputeEnvironment', { ServiceRole: Match.absent() });
    });
  });

  describe('job queues', () => {
    it('orders compute environments as configured, with the priority and physical name', () => {
      template.hasResourceProperties('AWS::Batch::JobQueue', {
        JobQueueName: 'dev-main',
        Priority: 5,
        State: 'ENABLED',
        ComputeEnvironmentOrder: [
          {
            ComputeEnvironment: {
              'Fn::GetAtt': [logicalId(stack, 'ComputeEnvironmentSpot'), 'ComputeEnvironmentArn'],
            },
            Order: 1,
          },
          {
            ComputeEnvironment: {
              'Fn::GetAtt': [logicalId(stack, 'ComputeEnvironmentOndemand'), 'ComputeEnvironmentArn'],
            },
            Order: 2,
          },
        ],
      });
    });

    it('creates a disabled queue when asked', () => {
      template.hasResourceProperties('AWS::Batch::JobQueue', {
        JobQueueName: 'dev-small',
        Priority: 900,
        State: 'DISABLED',
      });
    });

    it('cancels jobs stuck in RUNNABLE for capacity or misconfiguration reasons after the configured time', () => {
      const action = (reason: string) => ({
        Action: 'CANCEL',
        State: 'RUNNABLE',
        MaxTimeSeconds: 2700,
        Reason: reason,
      });
      template.hasResourceProperties('AWS::Batch::JobQueue', {
        JobQueueName: 'dev-main',
        JobStateTimeLimitActions: [
          action('CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY'),
          action('MISCONFIGURATION:COMPUTE_ENVIRONMENT_MAX_RESOURCE'),
          action('MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT'),
        ],
      });
      template.hasResourceProperties('AWS::Batch::JobQueue', {
        JobQueueName: 'dev-small',
        JobStateTimeLimitActions: Match.absent(),
      });
    });
  });

  describe('job definitions', () => {
    it('runs an ECR image at the configured tag, non-privileged with a read-only root filesystem', () => {
      template.hasResourceProperties('AWS::Batch::JobDefinition', {
        JobDefinitionName: 'dev-processor',
        Type: 'container',
        PlatformCapabilities: ['EC2'],
        PropagateTags: true,
        Parameters: { input: 'incoming/' },
        Timeout: { AttemptDurationSeconds: 3600 },
        ContainerProperties: Match.objectLike({
          Image: {
            'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('/team/processor:1\\.0\\.0$')])],
          },
          Command: ['process', 'Ref::input'],
          Environment: [{ Name: 'LOG_LEVEL', Value: 'info' }],
          Privileged: false,
          ReadonlyRootFilesystem: true,
          ResourceRequirements: [
            { Type: 'MEMORY', Value: '4096' },
            { Type: 'VCPU', Value: '2' },
            { Type: 'GPU', Value: '1' },
          ],
        }),
      });
    });

    it('injects secrets from Secrets Manager (with a JSON field) and SSM by reference, never as plain environment', () => {
      template.hasResourceProperties('AWS::Batch::JobDefinition', {
        JobDefinitionName: 'dev-processor',
        ContainerProperties: Match.objectLike({
          Secrets: [
            {
              Name: 'DB_PASSWORD',
              ValueFrom: { 'Fn::Join': ['', Match.arrayWith([':secret:app/db:password::'])] },
            },
            { Name: 'API_TOKEN', ValueFrom: { 'Fn::Join': ['', Match.arrayWith([':parameter/app/token'])] } },
            {
              Name: 'FULL_ARN',
              ValueFrom: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:app/full-AbCdEf',
            },
          ],
        }),
      });
      const environment = JSON.stringify(template.findResources('AWS::Batch::JobDefinition'));
      expect(environment).not.toMatch(/"Name":"DB_PASSWORD","Value"/);
    });

    it('retries Spot reclaims and Fargate Spot interruptions and exits otherwise by default', () => {
      template.hasResourceProperties('AWS::Batch::JobDefinition', {
        JobDefinitionName: 'dev-processor',
        RetryStrategy: {
          Attempts: 3,
          EvaluateOnExit: [
            { Action: 'RETRY', OnStatusReason: 'Host EC2*' },
            { Action: 'RETRY', OnStatusReason: 'Your Spot Task was interrupted*' },
            { Action: 'EXIT', OnReason: '*' },
          ],
        },
      });
    });

    it('uses configured retry rules instead of the defaults', () => {
      template.hasResourceProperties('AWS::Batch::JobDefinition', {
        JobDefinitionName: 'dev-poller',
        RetryStrategy: {
          Attempts: 2,
          EvaluateOnExit: [
            { Action: 'RETRY', OnExitCode: '75' },
            { Action: 'EXIT', OnReason: '*' },
          ],
        },
      });
    });

    it('runs a public image on Fargate with a public IP in the public subnets, as the configured user', () => {
      template.hasResourceProperties('AWS::Batch::JobDefinition', {
        JobDefinitionName: 'dev-poller',
        PlatformCapabilities: ['FARGATE'],
        PropagateTags: false,
        Timeout: {}, // no attempt timeout
        ContainerProperties: Match.objectLike({
          Image: 'public.ecr.aws/docker/library/busybox:1.36',
          User: '1000:1000',
          ReadonlyRootFilesystem: false,
          Privileged: Match.absent(),
          NetworkConfiguration: { AssignPublicIp: 'ENABLED' },
          ResourceRequirements: [
            { Type: 'MEMORY', Value: '512' },
            { Type: 'VCPU', Value: '0.25' },
          ],
        }),
      });
    });

    it('writes each definition to its own log group with the configured retention', () => {
      template.hasResourceProperties('AWS::Logs::LogGroup', {
        LogGroupName: '/aws/batch/dev/processor',
        RetentionInDays: 14,
      });
      template.hasResourceProperties('AWS::Logs::LogGroup', {
        LogGroupName: '/aws/batch/dev/poller',
        RetentionInDays: 30,
      });
      template.hasResourceProperties('AWS::Batch::JobDefinition', {
        JobDefinitionName: 'dev-processor',
        ContainerProperties: Match.objectLike({
          LogConfiguration: {
            LogDriver: 'awslogs',
            Options: {
              'awslogs-group': { Ref: logicalId(stack, 'LogGroupProcessor') },
              'awslogs-stream-prefix': 'processor',
              'awslogs-region': { Ref: 'AWS::Region' },
            },
          },
        }),
      });
    });

    it('lets the execution role pull only its repository, write only its log group and read only its secrets', () => {
      const policies = template.findResources('AWS::IAM::Policy', {
        Properties: { Roles: [{ Ref: logicalId(stack, 'ExecutionRoleProcessor') }] },
      });
      const statements = Object.values(policies).flatMap(
        (policy) =>
          (policy as { Properties: { PolicyDocument: { Statement: unknown[] } } }).Properties.PolicyDocument
            .Statement,
      );
      const rendered = JSON.stringify(statements);
      expect(statements).toHaveLength(6);
      expect(rendered).toContain(':repository/team/processor');
      expect(rendered).toContain(`"${logicalId(stack, 'LogGroupProcessor')}","Arn"`);
      expect(rendered).toContain(':secret:app/db-??????');
      expect(rendered).toContain('arn:aws:secretsmanager:eu-west-1:123456789012:secret:app/full-AbCdEf');
      expect(rendered).toContain(':parameter/app/token');
      expect(rendered).not.toContain('/aws/batch/job');
    });

    it('gives the job role only the statements the config grants', () => {
      template.hasResourceProperties('AWS::IAM::Policy', {
        Roles: [{ Ref: logicalId(stack, 'JobRoleProcessor') }],
        PolicyDocument: {
          Statement: [
            { Action: 's3:GetObject', Effect: 'Allow', Resource: 'arn:aws:s3:::data-bucket/incoming/*' },
          ],
        },
      });
    });

    it('acknowledges an S3 object-prefix wildcard of the config by its exact id, and no broader wildcard', () => {
      const raw = fullConfig();
      const processor = raw.jobDefinitions.processor as { jobRolePolicyStatements: unknown };
      processor.jobRolePolicyStatements = [
        { actions: ['s3:GetObject'], resources: ['arn:aws:s3:::data-bucket/incoming/*'] },
        { actions: ['s3:PutObject'], resources: ['arn:aws:s3:::data-bucket/*', '*'] },
      ];
      const { stack: variant } = synth(raw);
      const role = variant.infrastructure.node.findChild('JobRoleProcessor');
      const reported = new AwsSolutionsChecks()
        .validateScope(role)
        .violations.map((violation) => violation.ruleName)
        .sort();
      expect(reported).toEqual([
        'AwsSolutions-IAM5[Resource::*]',
        'AwsSolutions-IAM5[Resource::arn:aws:s3:::data-bucket/*]',
      ]);
      const acknowledged = role.node.metadata
        .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((entry) => Object.entries(entry.data as Record<string, string>));
      expect(acknowledged).toEqual([
        [
          expect.stringMatching(/AwsSolutions-IAM5\[Resource::arn:aws:s3:::data-bucket\/incoming\/\*\]$/i),
          expect.stringContaining(
            's3:GetObject on the objects under the one prefix s3://data-bucket/incoming/ only',
          ),
        ],
      ]);
    });

    it('lets a poller submit only to the queue and job definition it names', () => {
      template.hasResourceProperties('AWS::IAM::Policy', {
        Roles: [{ Ref: logicalId(stack, 'JobRolePoller') }],
        PolicyDocument: {
          Statement: [
            {
              Action: 'batch:SubmitJob',
              Effect: 'Allow',
              Resource: [
                { 'Fn::GetAtt': [logicalId(stack, 'JobQueueMain'), 'JobQueueArn'] },
                { 'Fn::Join': ['', Match.arrayWith([':job-definition/dev-processor:*'])] },
              ],
            },
          ],
        },
      });
    });

    it('releases a new image by changing the tag: the same resource gets a new Image, so a new revision', () => {
      const raw = fullConfig();
      const processor = raw.jobDefinitions.processor as { image: { ecrRepository: string; tag: string } };
      processor.image = { ecrRepository: 'team/processor', tag: '1.1.0' };
      const released = synth(raw);

      const before = jobDefinitionImage(template, 'dev-processor');
      const after = jobDefinitionImage(released.template, 'dev-processor');
      expect(JSON.stringify(after)).toContain('/team/processor:1.1.0');
      expect(after).not.toEqual(before);
      // Same logical id: CloudFormation updates the job definition (registers a new revision
      // and deregisters the old one) instead of creating a second definition.
      expect(logicalId(released.stack, 'JobDefinitionProcessor')).toBe(
        logicalId(stack, 'JobDefinitionProcessor'),
      );
    });
  });

  describe('outputs and lookups', () => {
    it('outputs queue names and ARNs, job definition ARNs, compute environment ARNs and the security group id', () => {
      template.hasOutput('JobQueueNameMain', { Value: 'dev-main' });
      template.hasOutput('JobQueueArnMain', {
        Value: { 'Fn::GetAtt': [logicalId(stack, 'JobQueueMain'), 'JobQueueArn'] },
      });
      template.hasOutput('JobQueueArnSmall', Match.anyValue());
      template.hasOutput('JobDefinitionArnProcessor', {
        Value: { Ref: logicalId(stack, 'JobDefinitionProcessor') },
      });
      template.hasOutput('JobDefinitionArnPoller', Match.anyValue());
      template.hasOutput('ComputeEnvironmentArnFargateSpot', {
        Value: { 'Fn::GetAtt': [logicalId(stack, 'ComputeEnvironmentFargateSpot'), 'ComputeEnvironmentArn'] },
      });
      template.hasOutput('SecurityGroupId', {
        Value: { 'Fn::GetAtt': [logicalId(stack, 'SecurityGroup'), 'GroupId'] },
      });
    });

    it('exposes queues, definitions and log groups by short name and their physical names', () => {
      const { infrastructure } = stack;
      expect(Object.keys(infrastructure.jobQueues)).toEqual(['main', 'small']);
      expect(Object.keys(infrastructure.jobDefinitions)).toEqual(['processor', 'poller']);
      expect(Object.keys(infrastructure.logGroups)).toEqual(['processor', 'poller']);
      expect(Object.keys(infrastructure.computeEnvironments)).toEqual([
        'ondemand',
        'spot',
        'optimal',
        'fargate',
        'fargate-spot',
      ]);
      expect(infrastructure.jobQueueName('main')).toBe('dev-main');
      expect(infrastructure.jobDefinitionName('processor')).toBe('dev-processor');
      expect(infrastructure.jobQueue('main')).toBe(infrastructure.jobQueues.main);
    });

    it('rejects a lookup of an unknown short name, naming the known ones', () => {
      expect(() => stack.infrastructure.jobQueueName('other')).toThrow(
        /unknown job queue "other", expected one of "main", "small"/,
      );
      expect(() => stack.infrastructure.jobDefinition('other')).toThrow(
        /unknown job definition "other", expected one of "processor", "poller"/,
      );
    });
  });

  describe('stack', () => {
    it('is named after the environment and tags every taggable resource with the config tags', () => {
      expect(stack.stackName).toBe('BatchOrchestrator-dev');
      template.hasResourceProperties('AWS::EC2::VPC', {
        Tags: Match.arrayWith([
          { Key: 'Project', Value: 'batch-orchestrator' },
          { Key: 'Team', Value: 'data' },
        ]),
      });
      template.hasResourceProperties('AWS::Batch::JobQueue', {
        JobQueueName: 'dev-main',
        Tags: { Project: 'batch-orchestrator', Team: 'data' },
      });
    });

    it('deploys to the account and region of the config when given', () => {
      const raw = fullConfig();
      raw.account = '123456789012';
      raw.region = 'eu-west-1';
      raw.network = { mode: 'create', availabilityZones: ['eu-west-1a', 'eu-west-1b'] };
      const config = parseEnvironmentConfig('dev', raw);
      const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
      const pinned = new BatchOrchestratorStack(app, 'Pinned', {
        config,
        env: { account: config.account, region: config.region },
      });
      const pinnedTemplate = Template.fromStack(pinned);
      expect(pinned.account).toBe('123456789012');
      pinnedTemplate.hasResourceProperties('AWS::EC2::Subnet', { AvailabilityZone: 'eu-west-1a' });
    });
  });
});
