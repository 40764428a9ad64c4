import { ArnFormat, CfnOutput, Duration, Size, Stack } from 'aws-cdk-lib';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import {
  batchResourceName,
  type ComputeEnvironmentConfig,
  type EnvironmentConfig,
  type JobDefinitionConfig,
  type JobSecretConfig,
} from '../config/schema';
import { acknowledge, nagArnPrefix } from './nag';

/** Properties of {@link BatchInfrastructure}. */
export interface BatchInfrastructureProps {
  /** The validated environment configuration (see `config/load.ts`). */
  readonly config: EnvironmentConfig;
}

/**
 * The AWS Batch side of the platform, built from one environment's config: network, compute
 * environments (EC2, Spot, Fargate, Fargate Spot, all scaling to zero by default), job queues
 * and job definitions with their log groups and roles.
 *
 * Queues and job definitions get predictable physical names `<env>-<name>` (e.g.
 * `dev-processor`); the maps below are keyed by the config's short name (`processor`).
 *
 * Releasing a new image: change `image.tag` in the config and deploy. The tag is part of the
 * job definition's `ContainerProperties.Image`, so CloudFormation updates the
 * `AWS::Batch::JobDefinition`, which registers a new revision under the same name and
 * deregisters the previous one. Jobs submitted by name then use the new revision; running jobs
 * keep the revision they started with.
 */
export class BatchInfrastructure extends Construct {
  /** The validated configuration this was built from. */
  readonly config: EnvironmentConfig;
  /** The VPC the compute environments run in (created, or imported by ids). */
  readonly vpc: ec2.IVpc;
  /** The subnets the compute environments use. */
  readonly subnets: ec2.SubnetSelection;
  /** Egress-only security group of every compute environment. */
  readonly securityGroup: ec2.SecurityGroup;
  /** Compute environments by short name. */
  readonly computeEnvironments: Readonly<Record<string, batch.IManagedComputeEnvironment>>;
  /** Job queues by short name. */
  readonly jobQueues: Readonly<Record<string, batch.IJobQueue>>;
  /** Job definitions by short name. */
  readonly jobDefinitions: Readonly<Record<string, batch.IJobDefinition>>;
  /** Log group of each job definition (`/aws/batch/<env>/<name>`), by definition short name. */
  readonly logGroups: Readonly<Record<string, logs.ILogGroup>>;
  /** Role the code in each job definition's container runs with, by definition short name. */
  readonly jobRoles: Readonly<Record<string, iam.IRole>>;
  /** Role ECS uses to pull the image, write logs and read secrets, by definition short name. */
  readonly executionRoles: Readonly<Record<string, iam.IRole>>;

  constructor(scope: Construct, id: string, props: BatchInfrastructureProps) {
    super(scope, id);
    const { config } = props;
    this.config = config;

    const network = this.createNetwork(config);
    this.vpc = network.vpc;
    this.subnets = network.subnets;
    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: this.vpc,
      description: `Batch compute of ${config.name}: no inbound, all outbound`,
      allowAllOutbound: true,
    });
    const securityGroups: ec2.ISecurityGroup[] = [
      this.securityGroup,
      ...(config.network.mode === 'import' ? (config.network.securityGroupIds ?? []) : []).map(
        (sgId, index) =>
          ec2.SecurityGroup.fromSecurityGroupId(this, `ImportedSecurityGroup${index}`, sgId, {
            mutable: false,
          }),
      ),
    ];

    const computeEnvironments: Record<string, batch.IManagedComputeEnvironment> = {};
    for (const [name, ce] of Object.entries(config.computeEnvironments)) {
      computeEnvironments[name] = this.createComputeEnvironment(name, ce, securityGroups);
    }
    this.computeEnvironments = computeEnvironments;

    const jobQueues: Record<string, batch.IJobQueue> = {};
    for (const [name, queue] of Object.entries(config.jobQueues)) {
      jobQueues[name] = new batch.JobQueue(this, `JobQueue${pascal(name)}`, {
        jobQueueName: batchResourceName(config.name, name),
        priority: queue.priority,
        enabled: queue.enabled,
        computeEnvironments: queue.computeEnvironments.map((ceName, index) => ({
          computeEnvironment: this.lookup(computeEnvironments, ceName, 'compute environment'),
          order: index + 1,
        })),
        jobStateTimeLimitActions:
          queue.stuckRunnableTimeoutMinutes === undefined
            ? undefined
            : STUCK_RUNNABLE_REASONS.map((reason) => ({
                action: batch.JobStateTimeLimitActionsAction.CANCEL,
                state: batch.JobStateTimeLimitActionsState.RUNNABLE,
                reason,
                maxTime: Duration.minutes(queue.stuckRunnableTimeoutMinutes as number),
              })),
      });
    }
    this.jobQueues = jobQueues;

    const jobDefinitions: Record<string, batch.IJobDefinition> = {};
    const logGroups: Record<string, logs.ILogGroup> = {};
    const jobRoles: Record<string, iam.IRole> = {};
    const executionRoles: Record<string, iam.IRole> = {};
    const assignPublicIp = config.network.mode === 'create' || config.network.subnetType === 'public';
    for (const [name, definition] of Object.entries(config.jobDefinitions)) {
      const created = this.createJobDefinition(name, definition, assignPublicIp);
      jobDefinitions[name] = created.jobDefinition;
      logGroups[name] = created.logGroup;
      jobRoles[name] = created.jobRole;
      executionRoles[name] = created.executionRole;
    }
    this.jobDefinitions = jobDefinitions;
    this.logGroups = logGroups;
    this.jobRoles = jobRoles;
    this.executionRoles = executionRoles;

    // Grants between definitions and queues need both maps, so they come last.
    for (const [name, definition] of Object.entries(config.jobDefinitions)) {
      for (const target of definition.canSubmit ?? []) {
        this.grantSubmitJob(jobRoles[name] as iam.IRole, target.jobQueue, target.jobDefinition);
      }
    }

    this.createOutputs();
  }

  /** Physical name of a job queue of this environment, e.g. `dev-processor` for `processor`. */
  jobQueueName(shortName: string): string {
    this.lookup(this.config.jobQueues, shortName, 'job queue');
    return batchResourceName(this.config.name, shortName);
  }

  /** Physical name of a job definition of this environment, e.g. `dev-processor` for `processor`. */
  jobDefinitionName(shortName: string): string {
    this.lookup(this.config.jobDefinitions, shortName, 'job definition');
    return batchResourceName(this.config.name, shortName);
  }

  /** The job queue with this short name; throws naming the known ones otherwise. */
  jobQueue(shortName: string): batch.IJobQueue {
    return this.lookup(this.jobQueues, shortName, 'job queue');
  }

  /** The job definition with this short name; throws naming the known ones otherwise. */
  jobDefinition(shortName: string): batch.IJobDefinition {
    return this.lookup(this.jobDefinitions, shortName, 'job definition');
  }

  /**
   * Lets `grantee` submit jobs of `jobDefinition` (any revision) to `jobQueue` (short names).
   * Used for `canSubmit` in the config; other constructs (the job runner) may use it too.
   */
  grantSubmitJob(grantee: iam.IGrantable, jobQueue: string, jobDefinition: string): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['batch:SubmitJob'],
      resourceArns: [this.jobQueue(jobQueue).jobQueueArn, this.jobDefinitionArnAnyRevision(jobDefinition)],
    });
  }

  /**
   * ARN matching every revision of a job definition (short name), for IAM:
   * `arn:<partition>:batch:<region>:<account>:job-definition/dev-processor:*`. Built from the
   * literal physical name, so cdk-nag findings on it have a predictable id.
   */
  jobDefinitionArnAnyRevision(shortName: string): string {
    return Stack.of(this).formatArn({
      service: 'batch',
      resource: 'job-definition',
      resourceName: `${this.jobDefinitionName(shortName)}:*`,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
  }

  private lookup<T>(map: Readonly<Record<string, T>>, shortName: string, what: string): T {
    const value = Object.hasOwn(map, shortName) ? map[shortName] : undefined;
    if (value === undefined) {
      const known = Object.keys(map)
        .map((key) => JSON.stringify(key))
        .join(', ');
      throw new Error(
        `${this.node.path}: unknown ${what} ${JSON.stringify(shortName)}, expected one of ${known}`,
      );
    }
    return value;
  }

  private createNetwork(config: EnvironmentConfig): { vpc: ec2.IVpc; subnets: ec2.SubnetSelection } {
    const { network } = config;
    if (network.mode === 'import') {
      const ids =
        network.subnetType === 'public'
          ? { publicSubnetIds: network.subnetIds }
          : { privateSubnetIds: network.subnetIds };
      const vpc = ec2.Vpc.fromVpcAttributes(this, 'Vpc', {
        vpcId: network.vpcId,
        availabilityZones: network.availabilityZones,
        ...ids,
      });
      return {
        vpc,
        subnets: {
          subnetType:
            network.subnetType === 'public' ? ec2.SubnetType.PUBLIC : ec2.SubnetType.PRIVATE_WITH_EGRESS,
        },
      };
    }
    // Public subnets and no NAT gateway: nothing is billed while no job runs. Instances and
    // Fargate tasks get a public IP for egress; the security group admits no inbound traffic.
    const vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(network.cidr),
      ...(network.availabilityZones
        ? { availabilityZones: network.availabilityZones }
        : { maxAzs: network.maxAzs }),
      natGateways: 0,
      subnetConfiguration: [{ name: 'Public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 20 }],
      restrictDefaultSecurityGroup: false,
    });
    const flowLogGroup = new logs.LogGroup(this, 'FlowLogGroup', {
      retention: logs.RetentionDays.THREE_MONTHS,
    });
    vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogGroup),
      trafficType: ec2.FlowLogTrafficType.ALL,
    });
    return { vpc, subnets: { subnetType: ec2.SubnetType.PUBLIC } };
  }

  private createComputeEnvironment(
    name: string,
    ce: ComputeEnvironmentConfig,
    securityGroups: ec2.ISecurityGroup[],
  ): batch.IManagedComputeEnvironment {
    const id = `ComputeEnvironment${pascal(name)}`;
    const common = {
      vpc: this.vpc,
      vpcSubnets: this.subnets,
      securityGroups,
      maxvCpus: ce.maxvCpus,
      enabled: ce.enabled,
      replaceComputeEnvironment: false,
    };
    if (ce.type === 'FARGATE' || ce.type === 'FARGATE_SPOT') {
      return new batch.FargateComputeEnvironment(this, id, { ...common, spot: ce.type === 'FARGATE_SPOT' });
    }

    const hasInstances = ce.instanceTypes !== undefined || ce.instanceClasses !== undefined;
    const imageType = ce.imageType as batch.EcsMachineImageType;
    const computeEnvironment = new batch.ManagedEc2EcsComputeEnvironment(this, id, {
      ...common,
      spot: ce.type === 'SPOT',
      minvCpus: ce.minvCpus,
      instanceTypes: ce.instanceTypes?.map((type) => new ec2.InstanceType(type)),
      instanceClasses: ce.instanceClasses as ec2.InstanceClass[] | undefined,
      // Without explicit types or classes, let Batch choose its current default x86 families.
      ...(ce.useOptimalInstanceClasses
        ? { useOptimalInstanceClasses: true }
        : hasInstances
          ? { useOptimalInstanceClasses: false }
          : { defaultInstanceClasses: [batch.DefaultInstanceClass.X86_64] }),
      allocationStrategy: ce.allocationStrategy as batch.AllocationStrategy,
      spotBidPercentage: ce.spotBidPercentage,
      images: [{ imageType, image: ce.imageId ? customAmi(ce.imageId) : undefined }],
    });
    if (ce.launchTemplate) {
      // The L2 renders only a launch template id without version; an override keeps name and version.
      const cfn = computeEnvironment.node.defaultChild as batch.CfnComputeEnvironment;
      cfn.addPropertyOverride('ComputeResources.LaunchTemplate', {
        ...(ce.launchTemplate.id
          ? { LaunchTemplateId: ce.launchTemplate.id }
          : { LaunchTemplateName: ce.launchTemplate.name }),
        Version: ce.launchTemplate.version ?? '$Default',
      });
    }
    acknowledgeInstanceRole(computeEnvironment);
    return computeEnvironment;
  }

  private createJobDefinition(
    name: string,
    definition: JobDefinitionConfig,
    assignPublicIp: boolean,
  ): {
    jobDefinition: batch.EcsJobDefinition;
    logGroup: logs.LogGroup;
    jobRole: iam.Role;
    executionRole: iam.Role;
  } {
    const id = pascal(name);
    const physicalName = batchResourceName(this.config.name, name);
    const logGroup = new logs.LogGroup(this, `LogGroup${id}`, {
      logGroupName: `/aws/batch/${this.config.name}/${name}`,
      retention: definition.logRetentionDays as logs.RetentionDays,
    });
    const executionRole = new iam.Role(this, `ExecutionRole${id}`, {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: `ECS execution role of Batch job definition ${physicalName}: image pull, logs, secrets`,
    });
    const jobRole = new iam.Role(this, `JobRole${id}`, {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: `Role the container of Batch job definition ${physicalName} runs with`,
    });
    for (const statement of definition.jobRolePolicyStatements ?? []) {
      jobRole.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: statement.actions, resources: statement.resources }),
      );
    }
    acknowledgeS3PrefixStatements(jobRole, physicalName, definition);

    const secrets: Record<string, batch.Secret> = {};
    for (const [envName, secret] of Object.entries(definition.secrets ?? {})) {
      secrets[envName] = this.batchSecret(`${id}${pascal(envName)}`, secret);
    }

    const container = {
      image: containerImage(this, `Repository${id}`, definition.image),
      cpu: definition.vcpus,
      memory: Size.mebibytes(definition.memoryMiB),
      command: definition.command,
      environment: definition.environment,
      secrets: definition.secrets ? secrets : undefined,
      executionRole,
      jobRole,
      logging: ecs.LogDrivers.awsLogs({ logGroup, streamPrefix: name }),
      readonlyRootFilesystem: definition.readonlyRootFilesystem,
      user: definition.user,
    };
    const containerDefinition =
      definition.platform === 'FARGATE'
        ? new batch.EcsFargateContainerDefinition(this, `Container${id}`, { ...container, assignPublicIp })
        : new batch.EcsEc2ContainerDefinition(this, `Container${id}`, {
            ...container,
            privileged: definition.privileged,
            gpu: definition.gpus,
          });

    const jobDefinition = new batch.EcsJobDefinition(this, `JobDefinition${id}`, {
      jobDefinitionName: physicalName,
      container: containerDefinition,
      parameters: definition.parameters,
      retryAttempts: definition.retry.attempts,
      retryStrategies: definition.retry.evaluateOnExit.map(({ action, ...on }) =>
        batch.RetryStrategy.of(batch.Action[action], batch.Reason.custom(on)),
      ),
      timeout:
        definition.timeoutSeconds === undefined ? undefined : Duration.seconds(definition.timeoutSeconds),
      propagateTags: definition.propagateTags,
    });
    acknowledgeExecutionRole(executionRole, definition);
    for (const target of definition.canSubmit ?? []) {
      const targetName = batchResourceName(this.config.name, target.jobDefinition);
      acknowledge(
        jobRole,
        'AwsSolutions-IAM5',
        `Resource::${nagArnPrefix('batch')}job-definition/${targetName}:*`,
        `batch:SubmitJob on any revision of the one job definition ${targetName}: each release registers a new ` +
          'revision, and submitting by name uses the latest one.',
      );
    }
    return { jobDefinition, logGroup, jobRole, executionRole };
  }

  /**
   * A secret for the container. Secrets Manager secrets are referenced by partial ARN (name
   * without the random suffix) which ECS resolves; IAM matches the suffix with `-??????`.
   */
  private batchSecret(id: string, secret: JobSecretConfig): batch.Secret {
    if (secret.ssmParameter !== undefined) {
      const parameter = ssm.StringParameter.fromSecureStringParameterAttributes(this, `Parameter${id}`, {
        parameterName: secret.ssmParameter,
      });
      return batch.Secret.fromSsmParameter(parameter);
    }
    const nameOrArn = secret.secretsManager as string;
    const imported = nameOrArn.startsWith('arn:')
      ? secretsmanager.Secret.fromSecretCompleteArn(this, `Secret${id}`, nameOrArn)
      : secretsmanager.Secret.fromSecretPartialArn(
          this,
          `Secret${id}`,
          Stack.of(this).formatArn({
            service: 'secretsmanager',
            resource: 'secret',
            resourceName: nameOrArn,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        );
    return batch.Secret.fromSecretsManager(imported, secret.field);
  }

  private createOutputs(): void {
    const output = (id: string, value: string, description: string) => {
      new CfnOutput(this, id, { value, description }).overrideLogicalId(id);
    };
    output(
      'SecurityGroupId',
      this.securityGroup.securityGroupId,
      'Egress-only security group of the compute environments',
    );
    for (const [name, ce] of Object.entries(this.computeEnvironments)) {
      output(`ComputeEnvironmentArn${pascal(name)}`, ce.computeEnvironmentArn, `Compute environment ${name}`);
    }
    for (const [name, queue] of Object.entries(this.jobQueues)) {
      output(`JobQueueName${pascal(name)}`, this.jobQueueName(name), `Name of job queue ${name}`);
      output(`JobQueueArn${pascal(name)}`, queue.jobQueueArn, `ARN of job queue ${name}`);
    }
    for (const [name, definition] of Object.entries(this.jobDefinitions)) {
      output(
        `JobDefinitionArn${pascal(name)}`,
        definition.jobDefinitionArn,
        `ARN (with revision) of job definition ${name}`,
      );
    }
  }
}

/** RUNNABLE reasons after which a queue's `stuckRunnableTimeoutMinutes` cancels the job. */
export const STUCK_RUNNABLE_REASONS = [
  batch.JobStateTimeLimitActionsReason.INSUFFICIENT_INSTANCE_CAPACITY,
  batch.JobStateTimeLimitActionsReason.COMPUTE_ENVIRONMENT_MAX_RESOURCE,
  batch.JobStateTimeLimitActionsReason.JOB_RESOURCE_REQUIREMENT,
] as const;

/** `processor-spot` -> `ProcessorSpot`: readable, collision-free construct and output ids. */
export function pascal(name: string): string {
  return name
    .split(/[-_]/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

function customAmi(imageId: string): ec2.IMachineImage {
  return {
    getImage: () => ({ imageId, osType: ec2.OperatingSystemType.LINUX, userData: ec2.UserData.forLinux() }),
  };
}

function containerImage(
  scope: Construct,
  id: string,
  image: JobDefinitionConfig['image'],
): ecs.ContainerImage {
  if (image.uri !== undefined) return ecs.ContainerImage.fromRegistry(image.uri);
  const repository = ecr.Repository.fromRepositoryName(scope, id, image.ecrRepository as string);
  return ecs.ContainerImage.fromEcrRepository(repository, image.tag);
}

function acknowledgeInstanceRole(computeEnvironment: Construct): void {
  const role = computeEnvironment.node.tryFindChild('InstanceProfileRole');
  if (!role) return;
  acknowledge(
    role,
    'AwsSolutions-IAM4',
    'Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role',
    'AmazonEC2ContainerServiceforEC2Role is the AWS-maintained policy for ECS container instances (agent ' +
      'registration, image pull, awslogs from the instance); AWS updates it as the ECS agent changes. Jobs run ' +
      'with their own job role, not this one.',
  );
}

/** `arn:aws:s3:::bucket/some/prefix/*`: every object under one non-empty prefix, no other wildcard. */
const S3_OBJECT_PREFIX_ARN = /^arn:aws[a-z-]*:s3:::([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/([^*?]+\/)\*$/;

/**
 * `jobRolePolicyStatements` of the config may grant objects under an S3 prefix (object keys are
 * created at run time, so they cannot be listed). Exactly those resources are acknowledged, one
 * finding id each; any other wildcard (`*`, a whole bucket `bucket/*`, an action wildcard) stays
 * a finding and fails the synth.
 */
function acknowledgeS3PrefixStatements(
  role: iam.Role,
  physicalName: string,
  definition: JobDefinitionConfig,
): void {
  const actionsByResource = new Map<string, Set<string>>();
  for (const statement of definition.jobRolePolicyStatements ?? []) {
    for (const resource of statement.resources) {
      const actions = actionsByResource.get(resource) ?? new Set<string>();
      for (const action of statement.actions) actions.add(action);
      actionsByResource.set(resource, actions);
    }
  }
  for (const [resource, actions] of actionsByResource) {
    const match = S3_OBJECT_PREFIX_ARN.exec(resource);
    if (match === null) continue;
    acknowledge(
      role,
      'AwsSolutions-IAM5',
      `Resource::${resource}`,
      `${[...actions].join(', ')} on the objects under the one prefix s3://${match[1]}/${match[2]} only, as configured in ` +
        `jobRolePolicyStatements of job definition ${physicalName}: the job creates or reads keys that exist only at run time.`,
    );
  }
}

function acknowledgeExecutionRole(role: iam.Role, definition: JobDefinitionConfig): void {
  if (definition.image.ecrRepository !== undefined) {
    acknowledge(
      role,
      'AwsSolutions-IAM5',
      'Resource::*',
      'ecr:GetAuthorizationToken does not support resource-level permissions (it must be "*"); the image pull ' +
        'actions themselves are limited to the one repository of this job definition.',
    );
  }
}
