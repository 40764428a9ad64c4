import { describe, expect, it } from 'vitest';
import { ConfigError, loadEnvironmentConfig, parseEnvironmentConfig } from '../../config/load';
import { DEFAULT_EVALUATE_ON_EXIT } from '../../config/schema';

/** Raw config as a test edits it: any shape, so a case can break any field. */
// biome-ignore lint/suspicious/noExplicitAny: cases deliberately write invalid values anywhere in the config
type RawConfig = Record<string, any>;

/** A small valid config; each case breaks one thing in a copy of it. */
function baseConfig(): RawConfig {
  return {
    name: 'dev',
    network: { mode: 'create' },
    computeEnvironments: {
      ondemand: { type: 'EC2', maxvCpus: 16 },
      spot: { type: 'SPOT', maxvCpus: 64 },
      fargate: { type: 'FARGATE', maxvCpus: 4 },
    },
    jobQueues: {
      main: { priority: 1, computeEnvironments: ['spot', 'ondemand'] },
      small: { priority: 10, computeEnvironments: ['fargate'] },
    },
    jobDefinitions: {
      processor: {
        image: { ecrRepository: 'processor', tag: '1.0.0' },
        platform: 'EC2',
        vcpus: 2,
        memoryMiB: 4096,
      },
      poller: {
        image: { uri: 'public.ecr.aws/docker/library/busybox:1.36' },
        platform: 'FARGATE',
        vcpus: 0.5,
        memoryMiB: 1024,
      },
    },
    jobRunner: { defaultJobQueue: 'main' },
  };
}

function withChange(change: (config: RawConfig) => void): RawConfig {
  const config = baseConfig();
  change(config);
  return config;
}

const parseDev = (raw: unknown) => () => parseEnvironmentConfig('dev', raw);

describe('parseEnvironmentConfig', () => {
  it('accepts a minimal config and applies the documented defaults', () => {
    const config = parseEnvironmentConfig('dev', baseConfig());

    expect(config.network).toEqual({ mode: 'create', cidr: '10.40.0.0/16', maxAzs: 2 });
    expect(config.computeEnvironments.ondemand).toMatchObject({
      minvCpus: 0,
      enabled: true,
      allocationStrategy: 'BEST_FIT_PROGRESSIVE',
      imageType: 'ECS_AL2023',
    });
    expect(config.computeEnvironments.spot?.allocationStrategy).toBe('SPOT_PRICE_CAPACITY_OPTIMIZED');
    expect(config.computeEnvironments.fargate?.allocationStrategy).toBeUndefined();
    expect(config.jobQueues.main?.enabled).toBe(true);
    expect(config.jobDefinitions.processor).toMatchObject({
      privileged: false,
      readonlyRootFilesystem: true,
      propagateTags: true,
      logRetentionDays: 30,
      retry: { attempts: 3, evaluateOnExit: DEFAULT_EVALUATE_ON_EXIT },
    });
    expect(config.jobRunner).toEqual({
      defaultJobQueue: 'main',
      completion: 'poll',
      pollIntervalSeconds: 30,
      maxPollIntervalSeconds: 300,
      deadlineSeconds: 86_400,
      logRetentionDays: 30,
    });
    expect(config.notifications).toEqual({
      slack: {},
      statuses: ['FAILED', 'SUCCEEDED'],
      notifyExecutionFailures: true,
    });
    expect(config.schedules).toEqual([]);
  });

  it('runs a schedule hourly, in UTC, on time and enabled when it only names its request', () => {
    const config = parseEnvironmentConfig(
      'dev',
      withChange((c) => {
        c.schedules = [{ name: 'poller', request: { jobName: 'poller', jobDefinition: 'dev-poller' } }];
      }),
    );
    expect(config.schedules[0]).toMatchObject({
      expression: 'rate(1 hour)',
      timezone: 'UTC',
      flexibleWindowMinutes: 0,
      enabled: true,
    });
  });

  it('retries Spot reclaims and Fargate Spot interruptions and exits on anything else by default', () => {
    expect(DEFAULT_EVALUATE_ON_EXIT).toEqual([
      { action: 'RETRY', onStatusReason: 'Host EC2*' },
      { action: 'RETRY', onStatusReason: 'Your Spot Task was interrupted*' },
      { action: 'EXIT', onReason: '*' },
    ]);
  });

  it('defaults maxPollIntervalSeconds to pollIntervalSeconds when that is above 300', () => {
    const config = parseEnvironmentConfig(
      'dev',
      withChange((c) => {
        c.jobRunner.pollIntervalSeconds = 600;
      }),
    );
    expect(config.jobRunner.maxPollIntervalSeconds).toBe(600);
  });

  it('accepts an imported VPC given by ids', () => {
    const config = parseEnvironmentConfig(
      'dev',
      withChange((c) => {
        c.network = {
          mode: 'import',
          vpcId: 'vpc-0a1b2c3d',
          availabilityZones: ['eu-west-1a', 'eu-west-1b'],
          subnetIds: ['subnet-0a1b2c3d', 'subnet-1a1b2c3d'],
        };
      }),
    );
    expect(config.network).toMatchObject({ mode: 'import', subnetType: 'private' });
  });

  it('throws a ConfigError that names the environment, the path, the value and what is allowed', () => {
    const raw = withChange((c) => {
      c.jobQueues.main.priority = 5000;
    });
    let error: unknown;
    try {
      parseEnvironmentConfig('dev', raw);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).name).toBe('ConfigError');
    expect((error as ConfigError).message).toBe(
      'Invalid config for environment "dev": jobQueues.main.priority: received 5000, expected a number <= 1000',
    );
    expect((error as ConfigError).issues).toEqual([
      { path: 'jobQueues.main.priority', received: '5000', message: 'expected a number <= 1000' },
    ]);
  });

  it('lists every bad field when there are several', () => {
    const raw = withChange((c) => {
      c.jobQueues.main.priority = -1;
      c.computeEnvironments.spot.maxvCpus = 0;
    });
    expect(parseDev(raw)).toThrow(
      /Invalid config for environment "dev":\n {2}- computeEnvironments\.spot\.maxvCpus: received 0, expected a number >= 1\n {2}- jobQueues\.main\.priority: received -1, expected a number >= 0/,
    );
  });

  it('reports a missing required field as missing', () => {
    const raw = withChange((c) => {
      delete c.jobRunner;
    });
    expect(parseDev(raw)).toThrow(/jobRunner: missing, expected an object/);
  });

  it('rejects a config that is not an object', () => {
    expect(parseDev(42)).toThrow(/\(config\): received 42, expected an object/);
  });

  it('rejects a file whose name differs from the environment it is registered as', () => {
    expect(() => parseEnvironmentConfig('prod', baseConfig())).toThrow(
      /environment "prod": name: received "dev", expected "prod"/,
    );
  });

  const cases: Array<[string, (c: RawConfig) => void, RegExp]> = [
    // top level
    [
      'an unknown top-level key',
      (c) => {
        c.tag = {};
      },
      /tag: received \{\}, unknown key, expected only the keys name, account, region, tags, network/,
    ],
    [
      'an environment name with capitals',
      (c) => {
        c.name = 'Dev';
      },
      /name: received "Dev", expected 1-16 lowercase letters or digits/,
    ],
    [
      'an account id that is not 12 digits',
      (c) => {
        c.account = '1234';
      },
      /account: received "1234", expected a 12-digit AWS account id/,
    ],
    [
      'a malformed region',
      (c) => {
        c.region = 'europe';
      },
      /region: received "europe", expected a region like "eu-west-1"/,
    ],
    [
      'a tag key in the aws: namespace',
      (c) => {
        c.tags = { 'aws:owner': 'x' };
      },
      /tags\.aws:owner: received "aws:owner", invalid key, expected a tag key not starting with "aws:"/,
    ],
    // network
    [
      'an unknown network mode',
      (c) => {
        c.network = { mode: 'lookup' };
      },
      /network\.mode: received "lookup", expected one of "create", "import"/,
    ],
    [
      'an unknown key in the network',
      (c) => {
        c.network.natGateways = 1;
      },
      /network\.natGateways: received 1, unknown key, expected only the keys mode, cidr, maxAzs, availabilityZones/,
    ],
    [
      'a CIDR that is not IPv4 /16-/28',
      (c) => {
        c.network.cidr = '10.0.0.0/8';
      },
      /network\.cidr: received "10\.0\.0\.0\/8", expected an IPv4 CIDR from \/16 to \/28/,
    ],
    [
      'more than 2 zones without zone names',
      (c) => {
        c.network.maxAzs = 3;
      },
      /network\.maxAzs: received 3, expected at most 2 without availabilityZones/,
    ],
    [
      'a created VPC in a fixed account and region without zone names',
      (c) => {
        c.account = '123456789012';
        c.region = 'eu-west-1';
      },
      /network\.availabilityZones: missing, expected zone names when account and region are set/,
    ],
    [
      'a malformed VPC id on import',
      (c) => {
        c.network = {
          mode: 'import',
          vpcId: 'my-vpc',
          availabilityZones: ['eu-west-1a'],
          subnetIds: ['subnet-0a1b2c3d'],
        };
      },
      /network\.vpcId: received "my-vpc", expected a VPC id like "vpc-0abc1234"/,
    ],
    [
      'an imported subnet count that is not a multiple of the zone count',
      (c) => {
        c.network = {
          mode: 'import',
          vpcId: 'vpc-0a1b2c3d',
          availabilityZones: ['eu-west-1a', 'eu-west-1b'],
          subnetIds: ['subnet-0a1b2c3d'],
        };
      },
      /network\.subnetIds: received \["subnet-0a1b2c3d"\], expected a multiple of 2 subnets/,
    ],
    [
      'a cidr on an imported VPC',
      (c) => {
        c.network = {
          mode: 'import',
          cidr: '10.0.0.0/16',
          vpcId: 'vpc-0a1b2c3d',
          availabilityZones: ['eu-west-1a'],
          subnetIds: ['subnet-0a1b2c3d'],
        };
      },
      /network\.cidr: received "10\.0\.0\.0\/16", unknown key, expected only the keys mode, vpcId/,
    ],
    [
      'a malformed security group id on import',
      (c) => {
        c.network = {
          mode: 'import',
          vpcId: 'vpc-0a1b2c3d',
          availabilityZones: ['eu-west-1a'],
          subnetIds: ['subnet-0a1b2c3d'],
          securityGroupIds: ['default'],
        };
      },
      /network\.securityGroupIds\[0\]: received "default", expected a security group id/,
    ],
    // compute environments
    [
      'no compute environment at all',
      (c) => {
        c.computeEnvironments = {};
        c.jobQueues = { main: { priority: 1, computeEnvironments: ['x'] } };
      },
      /computeEnvironments: received \{\}, expected at least one entry/,
    ],
    [
      'a compute environment name with capitals',
      (c) => {
        c.computeEnvironments.Spot = { type: 'SPOT', maxvCpus: 1 };
      },
      /computeEnvironments\.Spot: received "Spot", invalid key, expected a short name of lowercase words/,
    ],
    [
      'an unknown compute type',
      (c) => {
        c.computeEnvironments.spot.type = 'LAMBDA';
      },
      /computeEnvironments\.spot\.type: received "LAMBDA", expected one of "EC2", "SPOT", "FARGATE", "FARGATE_SPOT"/,
    ],
    [
      'maxvCpus of 0',
      (c) => {
        c.computeEnvironments.spot.maxvCpus = 0;
      },
      /computeEnvironments\.spot\.maxvCpus: received 0, expected a number >= 1/,
    ],
    [
      'fractional maxvCpus',
      (c) => {
        c.computeEnvironments.spot.maxvCpus = 1.5;
      },
      /computeEnvironments\.spot\.maxvCpus: received 1\.5, expected an integer/,
    ],
    [
      'minvCpus above maxvCpus',
      (c) => {
        c.computeEnvironments.ondemand.minvCpus = 32;
      },
      /computeEnvironments\.ondemand\.minvCpus: received 32, expected minvCpus <= maxvCpus \(16\)/,
    ],
    [
      'minvCpus on Fargate',
      (c) => {
        c.computeEnvironments.fargate.minvCpus = 2;
      },
      /computeEnvironments\.fargate\.minvCpus: received 2, expected 0 or nothing on type FARGATE/,
    ],
    [
      'instance types on Fargate',
      (c) => {
        c.computeEnvironments.fargate.instanceTypes = ['m5.large'];
      },
      /computeEnvironments\.fargate\.instanceTypes: received \["m5\.large"\], expected no instanceTypes on type FARGATE \(EC2 and SPOT only\)/,
    ],
    [
      'a launch template on Fargate Spot',
      (c) => {
        c.computeEnvironments.fargate = { type: 'FARGATE_SPOT', maxvCpus: 4, launchTemplate: { name: 'lt' } };
      },
      /computeEnvironments\.fargate\.launchTemplate: received \{"name":"lt"\}, expected no launchTemplate on type FARGATE_SPOT/,
    ],
    [
      'a malformed instance type',
      (c) => {
        c.computeEnvironments.spot.instanceTypes = ['large'];
      },
      /computeEnvironments\.spot\.instanceTypes\[0\]: received "large", expected an instance type like "m6i\.large"/,
    ],
    [
      'a Spot bid on an On-Demand environment',
      (c) => {
        c.computeEnvironments.ondemand.spotBidPercentage = 60;
      },
      /computeEnvironments\.ondemand\.spotBidPercentage: received 60, expected no spotBidPercentage on type EC2 \(SPOT only\)/,
    ],
    [
      'a Spot bid above 100%',
      (c) => {
        c.computeEnvironments.spot.spotBidPercentage = 120;
      },
      /computeEnvironments\.spot\.spotBidPercentage: received 120, expected a number <= 100/,
    ],
    [
      'a Spot allocation strategy on an On-Demand environment',
      (c) => {
        c.computeEnvironments.ondemand.allocationStrategy = 'SPOT_CAPACITY_OPTIMIZED';
      },
      /computeEnvironments\.ondemand\.allocationStrategy: received "SPOT_CAPACITY_OPTIMIZED", expected one of "BEST_FIT", "BEST_FIT_PROGRESSIVE" on type EC2/,
    ],
    [
      'best-fit allocation on Spot',
      (c) => {
        c.computeEnvironments.spot.allocationStrategy = 'BEST_FIT';
      },
      /computeEnvironments\.spot\.allocationStrategy: received "BEST_FIT", expected one of "BEST_FIT_PROGRESSIVE", "SPOT_CAPACITY_OPTIMIZED", "SPOT_PRICE_CAPACITY_OPTIMIZED" on type SPOT/,
    ],
    [
      'an unknown allocation strategy',
      (c) => {
        c.computeEnvironments.spot.allocationStrategy = 'CHEAPEST';
      },
      /computeEnvironments\.spot\.allocationStrategy: received "CHEAPEST", expected one of "BEST_FIT"/,
    ],
    [
      'a malformed AMI id',
      (c) => {
        c.computeEnvironments.spot.imageId = 'my-ami';
      },
      /computeEnvironments\.spot\.imageId: received "my-ami", expected an AMI id like "ami-0abc1234"/,
    ],
    [
      'a launch template with both name and id',
      (c) => {
        c.computeEnvironments.spot.launchTemplate = { name: 'batch', id: 'lt-0123456789abcdef0' };
      },
      /computeEnvironments\.spot\.launchTemplate: received \{"name":"batch","id":"lt-0123456789abcdef0"\}, expected exactly one of launchTemplate\.name or launchTemplate\.id/,
    ],
    [
      'a launch template version that is not a number or alias',
      (c) => {
        c.computeEnvironments.spot.launchTemplate = { name: 'batch', version: 'latest' };
      },
      /computeEnvironments\.spot\.launchTemplate\.version: received "latest", expected "\$Default", "\$Latest" or a version number/,
    ],
    [
      'no instance choice when optimal classes are turned off',
      (c) => {
        c.computeEnvironments.spot.useOptimalInstanceClasses = false;
      },
      /computeEnvironments\.spot\.useOptimalInstanceClasses: received false, expected instanceTypes or instanceClasses/,
    ],
    // job queues
    [
      'a queue that names an unknown compute environment',
      (c) => {
        c.jobQueues.main.computeEnvironments = ['spot', 'gpu'];
      },
      /jobQueues\.main\.computeEnvironments\[1\]: received "gpu", expected the name of a compute environment \("ondemand", "spot", "fargate"\)/,
    ],
    [
      'a queue that lists a compute environment twice',
      (c) => {
        c.jobQueues.main.computeEnvironments = ['spot', 'spot'];
      },
      /jobQueues\.main\.computeEnvironments\[1\]: received "spot", expected each compute environment at most once/,
    ],
    [
      'a queue with more than 3 compute environments',
      (c) => {
        c.jobQueues.main.computeEnvironments = ['spot', 'ondemand', 'spot', 'ondemand'];
      },
      /jobQueues\.main\.computeEnvironments: received \["spot","ondemand","spot","ondemand"\], expected at most 3 items/,
    ],
    [
      'a queue with no compute environment',
      (c) => {
        c.jobQueues.main.computeEnvironments = [];
      },
      /jobQueues\.main\.computeEnvironments: received \[\], expected at least 1 item/,
    ],
    [
      'a queue that mixes Fargate and EC2',
      (c) => {
        c.jobQueues.main.computeEnvironments = ['spot', 'fargate'];
      },
      /jobQueues\.main\.computeEnvironments: received \["spot","fargate"\], expected only Fargate \(FARGATE, FARGATE_SPOT\) or only EC2 \(EC2, SPOT\) compute environments, not both/,
    ],
    [
      'a priority above 1000',
      (c) => {
        c.jobQueues.main.priority = 5000;
      },
      /jobQueues\.main\.priority: received 5000, expected a number <= 1000/,
    ],
    [
      'a stuck-RUNNABLE timeout under 10 minutes',
      (c) => {
        c.jobQueues.main.stuckRunnableTimeoutMinutes = 5;
      },
      /jobQueues\.main\.stuckRunnableTimeoutMinutes: received 5, expected a number >= 10/,
    ],
    [
      'a stuck-RUNNABLE timeout over 24 hours',
      (c) => {
        c.jobQueues.main.stuckRunnableTimeoutMinutes = 2000;
      },
      /jobQueues\.main\.stuckRunnableTimeoutMinutes: received 2000, expected a number <= 1440/,
    ],
    [
      'an enabled flag that is a string',
      (c) => {
        c.jobQueues.main.enabled = 'yes';
      },
      /jobQueues\.main\.enabled: received "yes", expected a boolean \(true or false\)/,
    ],
    // job definitions
    [
      'an image with both a repository and a URI',
      (c) => {
        c.jobDefinitions.processor.image.uri = 'busybox';
      },
      /jobDefinitions\.processor\.image: received .*, expected either \{ ecrRepository, tag \} or \{ uri \}/,
    ],
    [
      'an ECR image without a tag',
      (c) => {
        c.jobDefinitions.processor.image = { ecrRepository: 'processor' };
      },
      /jobDefinitions\.processor\.image: received \{"ecrRepository":"processor"\}, expected either \{ ecrRepository, tag \} or \{ uri \}/,
    ],
    [
      'the mutable tag latest',
      (c) => {
        c.jobDefinitions.processor.image.tag = 'latest';
      },
      /jobDefinitions\.processor\.image\.tag: received "latest", expected an immutable release tag, not "latest"/,
    ],
    [
      'a malformed repository name',
      (c) => {
        c.jobDefinitions.processor.image.ecrRepository = 'Processor!';
      },
      /jobDefinitions\.processor\.image\.ecrRepository: received "Processor!", expected an ECR repository name/,
    ],
    [
      'an unknown platform',
      (c) => {
        c.jobDefinitions.processor.platform = 'EKS';
      },
      /jobDefinitions\.processor\.platform: received "EKS", expected one of "EC2", "FARGATE"/,
    ],
    [
      'a vCPU size Fargate does not offer',
      (c) => {
        c.jobDefinitions.poller.vcpus = 3;
      },
      /jobDefinitions\.poller\.vcpus: received 3, expected one of 0\.25, 0\.5, 1, 2, 4, 8, 16 on FARGATE/,
    ],
    [
      'a memory size Fargate does not pair with the vCPUs',
      (c) => {
        c.jobDefinitions.poller.memoryMiB = 512;
      },
      /jobDefinitions\.poller\.memoryMiB: received 512, expected one of 1024, 2048, 3072, 4096 with 0\.5 vCPU on FARGATE/,
    ],
    [
      'GPUs on Fargate',
      (c) => {
        c.jobDefinitions.poller.gpus = 1;
      },
      /jobDefinitions\.poller\.gpus: received 1, expected no gpus on FARGATE \(EC2 only\)/,
    ],
    [
      'a privileged Fargate container',
      (c) => {
        c.jobDefinitions.poller.privileged = true;
      },
      /jobDefinitions\.poller\.privileged: received true, expected no privileged on FARGATE/,
    ],
    [
      'fractional vCPUs on EC2',
      (c) => {
        c.jobDefinitions.processor.vcpus = 0.5;
      },
      /jobDefinitions\.processor\.vcpus: received 0\.5, expected a whole number of vCPUs on EC2/,
    ],
    [
      'memory under 4 MiB',
      (c) => {
        c.jobDefinitions.processor.memoryMiB = 2;
      },
      /jobDefinitions\.processor\.memoryMiB: received 2, expected a number >= 4/,
    ],
    [
      'an environment variable reserved by Batch',
      (c) => {
        c.jobDefinitions.processor.environment = { AWS_BATCH_JOB_ID: 'x' };
      },
      /jobDefinitions\.processor\.environment\.AWS_BATCH_JOB_ID: received "AWS_BATCH_JOB_ID", invalid key, expected a name not starting with AWS_BATCH/,
    ],
    [
      'an environment variable name with a space',
      (c) => {
        c.jobDefinitions.processor.environment = { 'MY VAR': 'x' };
      },
      /jobDefinitions\.processor\.environment\.MY VAR: received "MY VAR", invalid key, expected an environment variable name/,
    ],
    [
      'an environment value that is not a string',
      (c) => {
        c.jobDefinitions.processor.environment = { PORT: 8080 };
      },
      /jobDefinitions\.processor\.environment\.PORT: received 8080, expected a string/,
    ],
    [
      'a secret with both Secrets Manager and SSM',
      (c) => {
        c.jobDefinitions.processor.secrets = { TOKEN: { secretsManager: 'a', ssmParameter: '/b' } };
      },
      /jobDefinitions\.processor\.secrets\.TOKEN: received \{"secretsManager":"a","ssmParameter":"\/b"\}, expected exactly one of secretsManager or ssmParameter/,
    ],
    [
      'a secret with neither source',
      (c) => {
        c.jobDefinitions.processor.secrets = { TOKEN: {} };
      },
      /jobDefinitions\.processor\.secrets\.TOKEN: received \{\}, expected exactly one of secretsManager or ssmParameter/,
    ],
    [
      'a JSON field on an SSM parameter',
      (c) => {
        c.jobDefinitions.processor.secrets = { TOKEN: { ssmParameter: '/a/b', field: 'x' } };
      },
      /jobDefinitions\.processor\.secrets\.TOKEN\.field: received "x", expected field only with secretsManager/,
    ],
    [
      'a secret name that is also a plain environment variable',
      (c) => {
        c.jobDefinitions.processor.environment = { TOKEN: 'x' };
        c.jobDefinitions.processor.secrets = { TOKEN: { ssmParameter: '/a' } };
      },
      /jobDefinitions\.processor\.secrets\.TOKEN: received "TOKEN", expected a name that is not also in environment/,
    ],
    [
      'a secret reserved by Batch',
      (c) => {
        c.jobDefinitions.processor.secrets = { AWS_BATCH_X: { ssmParameter: '/a' } };
      },
      /jobDefinitions\.processor\.secrets\.AWS_BATCH_X: received "AWS_BATCH_X", invalid key, expected a name not starting with AWS_BATCH/,
    ],
    [
      'a malformed Secrets Manager reference',
      (c) => {
        c.jobDefinitions.processor.secrets = { TOKEN: { secretsManager: 'my secret' } };
      },
      /jobDefinitions\.processor\.secrets\.TOKEN\.secretsManager: received "my secret", expected a Secrets Manager secret name or complete ARN/,
    ],
    [
      'a malformed SSM parameter name',
      (c) => {
        c.jobDefinitions.processor.secrets = { TOKEN: { ssmParameter: 'a b' } };
      },
      /jobDefinitions\.processor\.secrets\.TOKEN\.ssmParameter: received "a b", expected an SSM parameter name/,
    ],
    [
      'more than 10 attempts',
      (c) => {
        c.jobDefinitions.processor.retry = { attempts: 11 };
      },
      /jobDefinitions\.processor\.retry\.attempts: received 11, expected a number <= 10/,
    ],
    [
      'a retry rule that matches nothing',
      (c) => {
        c.jobDefinitions.processor.retry = { evaluateOnExit: [{ action: 'RETRY' }] };
      },
      /jobDefinitions\.processor\.retry\.evaluateOnExit\[0\]: received \{"action":"RETRY"\}, expected at least one of onStatusReason, onReason or onExitCode/,
    ],
    [
      'a retry rule with an unknown action',
      (c) => {
        c.jobDefinitions.processor.retry = { evaluateOnExit: [{ action: 'IGNORE', onExitCode: '1' }] };
      },
      /jobDefinitions\.processor\.retry\.evaluateOnExit\[0\]\.action: received "IGNORE", expected one of "RETRY", "EXIT"/,
    ],
    [
      'a status reason pattern with a wildcard in the middle',
      (c) => {
        c.jobDefinitions.processor.retry = {
          evaluateOnExit: [{ action: 'RETRY', onStatusReason: 'Host*EC2' }],
        };
      },
      /jobDefinitions\.processor\.retry\.evaluateOnExit\[0\]\.onStatusReason: received "Host\*EC2", expected letters, digits/,
    ],
    [
      'an exit code pattern that is not digits',
      (c) => {
        c.jobDefinitions.processor.retry = { evaluateOnExit: [{ action: 'EXIT', onExitCode: 'one' }] };
      },
      /jobDefinitions\.processor\.retry\.evaluateOnExit\[0\]\.onExitCode: received "one", expected digits, optionally ending with "\*"/,
    ],
    [
      'more than 5 retry rules',
      (c) => {
        c.jobDefinitions.processor.retry = {
          evaluateOnExit: Array.from({ length: 6 }, () => ({ action: 'EXIT', onExitCode: '1' })),
        };
      },
      /jobDefinitions\.processor\.retry\.evaluateOnExit: received .*, expected at most 5 items/,
    ],
    [
      'an attempt timeout under 60 seconds',
      (c) => {
        c.jobDefinitions.processor.timeoutSeconds = 30;
      },
      /jobDefinitions\.processor\.timeoutSeconds: received 30, expected a number >= 60/,
    ],
    [
      'a log retention CloudWatch does not offer',
      (c) => {
        c.jobDefinitions.processor.logRetentionDays = 10;
      },
      /jobDefinitions\.processor\.logRetentionDays: received 10, expected a CloudWatch Logs retention in days \(1, 3, 5, 7, 14, 30/,
    ],
    [
      'an IAM action without a service prefix',
      (c) => {
        c.jobDefinitions.processor.jobRolePolicyStatements = [{ actions: ['GetObject'], resources: ['*'] }];
      },
      /jobDefinitions\.processor\.jobRolePolicyStatements\[0\]\.actions\[0\]: received "GetObject", expected an IAM action like "s3:GetObject"/,
    ],
    [
      'an IAM statement without resources',
      (c) => {
        c.jobDefinitions.processor.jobRolePolicyStatements = [{ actions: ['s3:GetObject'], resources: [] }];
      },
      /jobDefinitions\.processor\.jobRolePolicyStatements\[0\]\.resources: received \[\], expected at least 1 item/,
    ],
    [
      'a submit grant to an unknown queue',
      (c) => {
        c.jobDefinitions.poller.canSubmit = [{ jobQueue: 'other', jobDefinition: 'processor' }];
      },
      /jobDefinitions\.poller\.canSubmit\[0\]\.jobQueue: received "other", expected the name of a job queue \("main", "small"\)/,
    ],
    [
      'a submit grant for an unknown definition',
      (c) => {
        c.jobDefinitions.poller.canSubmit = [{ jobQueue: 'main', jobDefinition: 'other' }];
      },
      /jobDefinitions\.poller\.canSubmit\[0\]\.jobDefinition: received "other", expected the name of a job definition \("processor", "poller"\)/,
    ],
    [
      'an unknown key in a job definition',
      (c) => {
        c.jobDefinitions.processor.memory = 4096;
      },
      /jobDefinitions\.processor\.memory: received 4096, unknown key, expected only the keys image, platform, vcpus, memoryMiB/,
    ],
    // job runner
    [
      'a default queue that does not exist',
      (c) => {
        c.jobRunner.defaultJobQueue = 'default';
      },
      /jobRunner\.defaultJobQueue: received "default", expected the name of a job queue \("main", "small"\)/,
    ],
    [
      'an unknown completion mode',
      (c) => {
        c.jobRunner.completion = 'callback';
      },
      /jobRunner\.completion: received "callback", expected one of "poll", "events"/,
    ],
    [
      'a poll interval under 5 seconds',
      (c) => {
        c.jobRunner.pollIntervalSeconds = 1;
      },
      /jobRunner\.pollIntervalSeconds: received 1, expected a number >= 5/,
    ],
    [
      'a poll interval given as a string',
      (c) => {
        c.jobRunner.pollIntervalSeconds = '30';
      },
      /jobRunner\.pollIntervalSeconds: received "30", expected a number/,
    ],
    [
      'a maximum poll interval below the first one',
      (c) => {
        c.jobRunner.pollIntervalSeconds = 60;
        c.jobRunner.maxPollIntervalSeconds = 30;
      },
      /jobRunner\.maxPollIntervalSeconds: received 30, expected a number >= pollIntervalSeconds \(60\)/,
    ],
    [
      'a deadline beyond 364 days',
      (c) => {
        c.jobRunner.deadlineSeconds = 31_536_000;
      },
      /jobRunner\.deadlineSeconds: received 31536000, expected a number <= 31449600/,
    ],
    // notifications
    [
      'an unknown job status to notify',
      (c) => {
        c.notifications = { statuses: ['FAILED', 'DONE'] };
      },
      /notifications\.statuses\[1\]: received "DONE", expected one of "SUBMITTED", "PENDING", "RUNNABLE", "STARTING", "RUNNING", "SUCCEEDED", "FAILED"/,
    ],
    [
      'a job status listed twice',
      (c) => {
        c.notifications = { statuses: ['FAILED', 'FAILED'] };
      },
      /notifications\.statuses: received \["FAILED","FAILED"\], expected each status at most once/,
    ],
    [
      'a webhook given as a URL instead of a secret name',
      (c) => {
        c.notifications = { slack: { webhookSecretName: 'https://hooks.slack.com/services/x' } };
      },
      /notifications\.slack\.webhookSecretName: received "https:\/\/hooks\.slack\.com\/services\/x", expected a Secrets Manager secret name/,
    ],
    [
      'a webhook URL key in the Slack settings',
      (c) => {
        c.notifications = { slack: { webhookUrl: 'https://hooks.slack.com/x' } };
      },
      /notifications\.slack\.webhookUrl: received "https:\/\/hooks\.slack\.com\/x", unknown key, expected only the keys webhookSecretName/,
    ],
    // schedules
    [
      'a schedule expression that is neither rate nor cron',
      (c) => {
        c.schedules = [{ name: 'hourly', expression: 'every hour', request: {} }];
      },
      /schedules\[0\]\.expression: received "every hour", expected "rate\(<n> <unit>\)" or "cron\(/,
    ],
    [
      'a rate of 1 with a plural unit',
      (c) => {
        c.schedules = [{ name: 'hourly', expression: 'rate(1 hours)', request: {} }];
      },
      /schedules\[0\]\.expression: received "rate\(1 hours\)", expected a positive rate with a singular unit for 1/,
    ],
    [
      'a cron expression with 5 fields',
      (c) => {
        c.schedules = [{ name: 'nightly', expression: 'cron(0 2 * * *)', request: {} }];
      },
      /schedules\[0\]\.expression: received "cron\(0 2 \* \* \*\)", expected "rate/,
    ],
    [
      'an unknown time zone',
      (c) => {
        c.schedules = [{ name: 'hourly', expression: 'rate(1 hour)', timezone: 'Mars/Olympus', request: {} }];
      },
      /schedules\[0\]\.timezone: received "Mars\/Olympus", expected an IANA time zone/,
    ],
    [
      'a flexible window over a day',
      (c) => {
        c.schedules = [
          { name: 'hourly', expression: 'rate(1 hour)', flexibleWindowMinutes: 2000, request: {} },
        ];
      },
      /schedules\[0\]\.flexibleWindowMinutes: received 2000, expected a number <= 1440/,
    ],
    [
      'two schedules with the same name',
      (c) => {
        c.schedules = [
          { name: 'hourly', expression: 'rate(1 hour)', request: {} },
          { name: 'hourly', expression: 'rate(2 hours)', request: {} },
        ];
      },
      /schedules\[1\]\.name: received "hourly", expected a schedule name that is unique/,
    ],
    [
      'a schedule name with spaces',
      (c) => {
        c.schedules = [{ name: 'every hour', expression: 'rate(1 hour)', request: {} }];
      },
      /schedules\[0\]\.name: received "every hour", expected 1-48 letters, digits/,
    ],
    [
      'a schedule request that is not an object',
      (c) => {
        c.schedules = [{ name: 'hourly', expression: 'rate(1 hour)', request: 'poller' }];
      },
      /schedules\[0\]\.request: received "poller", expected an object/,
    ],
    [
      'a schedule request naming a queue by its short name',
      (c) => {
        c.schedules = [{ name: 'hourly', expression: 'rate(1 hour)', request: { jobQueue: 'main' } }];
      },
      /schedules\[0\]\.request\.jobQueue: received "main", expected the name of a job queue of this stack \(or an ARN\) \("dev-main", "dev-small"\)/,
    ],
    [
      'a schedule request naming an unknown job definition',
      (c) => {
        c.schedules = [
          { name: 'hourly', expression: 'rate(1 hour)', request: { jobDefinition: 'dev-other:3' } },
        ];
      },
      /schedules\[0\]\.request\.jobDefinition: received "dev-other:3", expected the name of a job definition of this stack \(or an ARN\)/,
    ],
  ];

  it.each(cases)('rejects %s', (_title, change, message) => {
    expect(parseDev(withChange(change))).toThrow(ConfigError);
    expect(parseDev(withChange(change))).toThrow(message);
  });

  it('accepts a schedule request that names queues and definitions by physical name, revision or ARN', () => {
    const config = parseEnvironmentConfig(
      'dev',
      withChange((c) => {
        c.schedules = [
          {
            name: 'a',
            expression: 'rate(5 minutes)',
            request: { jobQueue: 'dev-main', jobDefinition: 'dev-processor:4' },
          },
          {
            name: 'b',
            expression: 'cron(0 2 * * ? *)',
            timezone: 'Europe/Paris',
            request: { jobQueue: 'arn:aws:batch:eu-west-1:123456789012:job-queue/other' },
          },
        ];
      }),
    );
    expect(config.schedules.map((s) => [s.timezone, s.enabled, s.flexibleWindowMinutes])).toEqual([
      ['UTC', true, 0],
      ['Europe/Paris', true, 0],
    ]);
  });
});

describe('loadEnvironmentConfig', () => {
  it.each(['dev', 'prod'])('loads and validates the %s example', (name) => {
    const config = loadEnvironmentConfig(name);
    expect(config.name).toBe(name);
    expect(config.jobQueues.processor?.computeEnvironments).toEqual(['processor-spot', 'processor-ondemand']);
    expect(config.computeEnvironments['processor-spot']?.type).toBe('SPOT');
    expect(config.schedules[0]).toMatchObject({
      expression: 'rate(1 hour)',
      request: { jobName: 'poller', jobDefinition: `${name}-poller`, jobQueue: `${name}-poller` },
    });
  });

  it('rejects an unknown environment and lists the known ones', () => {
    expect(() => loadEnvironmentConfig('qa')).toThrow(ConfigError);
    expect(() => loadEnvironmentConfig('qa')).toThrow(
      'Unknown environment "qa": expected one of "dev", "prod"',
    );
  });

  it('does not treat inherited object keys as environments', () => {
    expect(() => loadEnvironmentConfig('toString')).toThrow(/Unknown environment "toString"/);
  });
});
