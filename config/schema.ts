/**
 * The schema of one environment's configuration (`config/<env>.ts`).
 *
 * Every rule a deploy would otherwise discover the hard way (a queue naming a compute
 * environment that does not exist, a Spot bid on an On-Demand environment, a Fargate size
 * Fargate does not offer) is checked here, at synth time, with a message that names the field,
 * the value received and what is allowed. See `config/load.ts` for how issues are reported.
 */
import { z } from 'zod';
import { JOB_STATUSES } from '../lambda/shared/job-status';

/** Prefix of every physical name and tag this app creates. */
export const APP_NAME = 'batch-orchestrator';

/**
 * Physical name of a job queue or job definition: `<env>-<shortName>`, e.g. `dev-processor`.
 * Job requests, schedules and users refer to queues and definitions by this name.
 */
export function batchResourceName(environmentName: string, shortName: string): string {
  return `${environmentName}-${shortName}`;
}

/** Log retention values CloudWatch Logs accepts, in days. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/** Batch job statuses, in lifecycle order (the one list shared with the handlers and the CLI). */
export { JOB_STATUSES };

/** Fargate vCPU sizes and the memory (MiB) each one accepts. */
const FARGATE_MEMORY_MIB: ReadonlyMap<number, readonly number[]> = new Map([
  [0.25, [512, 1024, 2048]],
  [0.5, range(1024, 4096, 1024)],
  [1, range(2048, 8192, 1024)],
  [2, range(4096, 16384, 1024)],
  [4, range(8192, 30720, 1024)],
  [8, range(16384, 61440, 4096)],
  [16, range(32768, 122880, 8192)],
]);

function range(from: number, to: number, step: number): number[] {
  const values: number[] = [];
  for (let value = from; value <= to; value += step) values.push(value);
  return values;
}

/**
 * A strict object whose "unknown key" error lists the keys that are allowed, so a typo in a
 * config file is reported with its fix.
 */
function strictObject<T extends z.ZodRawShape>(shape: T) {
  const allowed = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (issue) => (issue.code === 'unrecognized_keys' ? `expected only the keys ${allowed}` : undefined),
  });
}

const quote = (values: readonly (string | number)[]) => values.map((v) => JSON.stringify(v)).join(', ');

/** Short names of compute environments, queues and definitions: `poller`, `array-worker`. */
const shortName = z
  .string()
  .regex(/^[a-z][a-z0-9]*(-[a-z][a-z0-9]*)*$/, {
    error: 'expected a short name of lowercase words joined by "-" (each word starting with a letter)',
  })
  .max(40);

const positiveInt = z.number().int().positive();
const retentionDays = z.number().refine((days) => (LOG_RETENTION_DAYS as readonly number[]).includes(days), {
  error: `expected a CloudWatch Logs retention in days (${LOG_RETENTION_DAYS.join(', ')})`,
});

// ---------------------------------------------------------------------------------------------
// network

const createNetworkSchema = strictObject({
  mode: z.literal('create'),
  /** VPC CIDR. @default '10.40.0.0/16' */
  cidr: z
    .string()
    .regex(/^(\d{1,3}\.){3}\d{1,3}\/(1[6-9]|2[0-8])$/, { error: 'expected an IPv4 CIDR from /16 to /28' })
    .default('10.40.0.0/16'),
  /**
   * Number of availability zones (one public subnet each). An environment-agnostic stack (no
   * account and region) can use at most 2. @default 2
   */
  maxAzs: z.number().int().min(1).max(6).default(2),
  /**
   * Explicit zone names. Needed for more than 2 zones, and when `account` and `region` are set:
   * without them CDK would look the zones up in the account, which synth must never do.
   * @default - the first `maxAzs` zones of the region
   */
  availabilityZones: z
    .array(
      z
        .string()
        .regex(/^[a-z]{2}(-gov)?-[a-z]+-\d[a-z]$/, { error: 'expected an AZ name like "eu-west-1a"' }),
    )
    .min(1)
    .max(6)
    .optional(),
});

const importNetworkSchema = strictObject({
  mode: z.literal('import'),
  vpcId: z.string().regex(/^vpc-[0-9a-f]{8,17}$/, { error: 'expected a VPC id like "vpc-0abc1234"' }),
  availabilityZones: z
    .array(
      z
        .string()
        .regex(/^[a-z]{2}(-gov)?-[a-z]+-\d[a-z]$/, { error: 'expected an AZ name like "eu-west-1a"' }),
    )
    .min(1),
  subnetIds: z
    .array(
      z.string().regex(/^subnet-[0-9a-f]{8,17}$/, { error: 'expected a subnet id like "subnet-0abc1234"' }),
    )
    .min(1),
  /**
   * Whether `subnetIds` are private (egress through a NAT or VPC endpoints) or public
   * (instances and Fargate tasks get a public IP). @default 'private'
   */
  subnetType: z.enum(['private', 'public']).default('private'),
  /** Extra security groups attached to every compute environment (e.g. to reach a database). */
  securityGroupIds: z
    .array(
      z.string().regex(/^sg-[0-9a-f]{8,17}$/, { error: 'expected a security group id like "sg-0abc1234"' }),
    )
    .optional(),
});

const networkSchema = z.discriminatedUnion('mode', [createNetworkSchema, importNetworkSchema]);

// ---------------------------------------------------------------------------------------------
// compute environments

const COMPUTE_TYPES = ['EC2', 'SPOT', 'FARGATE', 'FARGATE_SPOT'] as const;
const EC2_ALLOCATION = ['BEST_FIT', 'BEST_FIT_PROGRESSIVE'] as const;
// BEST_FIT on Spot needs a legacy Spot Fleet role: not offered.
const SPOT_ALLOCATION = [
  'BEST_FIT_PROGRESSIVE',
  'SPOT_CAPACITY_OPTIMIZED',
  'SPOT_PRICE_CAPACITY_OPTIMIZED',
] as const;

const computeEnvironmentSchema = strictObject({
  type: z.enum(COMPUTE_TYPES),
  maxvCpus: z.number().int().min(1).max(100_000),
  /** Instances kept running when idle (EC2/SPOT only). @default 0 (scale to zero) */
  minvCpus: z.number().int().min(0).optional(),
  /** EC2/SPOT only, e.g. `['m6i.large']`. */
  instanceTypes: z
    .array(
      z
        .string()
        .regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, { error: 'expected an instance type like "m6i.large"' }),
    )
    .min(1)
    .optional(),
  /** EC2/SPOT only, e.g. `['m6i', 'c6i']`. */
  instanceClasses: z
    .array(z.string().regex(/^[a-z][a-z0-9-]*$/, { error: 'expected an instance family like "c6i"' }))
    .min(1)
    .optional(),
  /**
   * EC2/SPOT only: let Batch pick from its "optimal" families. When neither types nor classes are
   * given the environment uses Batch's `default_x86_64` classes.
   */
  useOptimalInstanceClasses: z.boolean().optional(),
  /**
   * EC2: BEST_FIT_PROGRESSIVE (default) or BEST_FIT. SPOT: SPOT_PRICE_CAPACITY_OPTIMIZED (default),
   * SPOT_CAPACITY_OPTIMIZED or BEST_FIT_PROGRESSIVE.
   */
  allocationStrategy: z
    .enum(['BEST_FIT', 'BEST_FIT_PROGRESSIVE', 'SPOT_CAPACITY_OPTIMIZED', 'SPOT_PRICE_CAPACITY_OPTIMIZED'])
    .optional(),
  /** SPOT only: the most you pay, as a percentage of the On-Demand price. @default - up to On-Demand */
  spotBidPercentage: z.number().int().min(1).max(100).optional(),
  /** EC2/SPOT only: ECS-optimized image family. @default 'ECS_AL2023' */
  imageType: z.enum(['ECS_AL2023', 'ECS_AL2023_NVIDIA', 'ECS_AL2', 'ECS_AL2_NVIDIA']).optional(),
  /** EC2/SPOT only: a custom AMI (must be ECS-compatible). */
  imageId: z
    .string()
    .regex(/^ami-[0-9a-f]{8,17}$/, { error: 'expected an AMI id like "ami-0abc1234"' })
    .optional(),
  /** EC2/SPOT only: an existing launch template, by name or id. */
  launchTemplate: strictObject({
    name: z.string().min(3).max(128).optional(),
    id: z
      .string()
      .regex(/^lt-[0-9a-f]{17}$/, { error: 'expected a launch template id like "lt-0123456789abcdef0"' })
      .optional(),
    /** `$Default`, `$Latest` or a version number. @default '$Default' */
    version: z
      .string()
      .regex(/^(\$Default|\$Latest|\d+)$/, { error: 'expected "$Default", "$Latest" or a version number' })
      .optional(),
  }).optional(),
  /** @default true */
  enabled: z.boolean().default(true),
})
  .superRefine((ce, ctx) => {
    const isEc2 = ce.type === 'EC2' || ce.type === 'SPOT';
    if (!isEc2) {
      for (const key of [
        'instanceTypes',
        'instanceClasses',
        'useOptimalInstanceClasses',
        'allocationStrategy',
        'imageType',
        'imageId',
        'launchTemplate',
      ] as const) {
        if (ce[key] !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: [key],
            input: ce[key],
            message: `expected no ${key} on type ${ce.type} (EC2 and SPOT only)`,
          });
        }
      }
      if (ce.minvCpus !== undefined && ce.minvCpus !== 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['minvCpus'],
          input: ce.minvCpus,
          message: `expected 0 or nothing on type ${ce.type} (Fargate always scales to zero)`,
        });
      }
    }
    if (ce.spotBidPercentage !== undefined && ce.type !== 'SPOT') {
      ctx.addIssue({
        code: 'custom',
        path: ['spotBidPercentage'],
        input: ce.spotBidPercentage,
        message: `expected no spotBidPercentage on type ${ce.type} (SPOT only)`,
      });
    }
    if (
      ce.type === 'EC2' &&
      ce.allocationStrategy &&
      !(EC2_ALLOCATION as readonly string[]).includes(ce.allocationStrategy)
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['allocationStrategy'],
        input: ce.allocationStrategy,
        message: `expected one of ${quote(EC2_ALLOCATION)} on type EC2 (SPOT_* strategies need SPOT)`,
      });
    }
    if (
      ce.type === 'SPOT' &&
      ce.allocationStrategy &&
      !(SPOT_ALLOCATION as readonly string[]).includes(ce.allocationStrategy)
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['allocationStrategy'],
        input: ce.allocationStrategy,
        message: `expected one of ${quote(SPOT_ALLOCATION)} on type SPOT (BEST_FIT needs a legacy Spot Fleet role)`,
      });
    }
    if (ce.minvCpus !== undefined && ce.minvCpus > ce.maxvCpus) {
      ctx.addIssue({
        code: 'custom',
        path: ['minvCpus'],
        input: ce.minvCpus,
        message: `expected minvCpus <= maxvCpus (${ce.maxvCpus})`,
      });
    }
    if (isEc2 && ce.useOptimalInstanceClasses === false && !ce.instanceTypes && !ce.instanceClasses) {
      ctx.addIssue({
        code: 'custom',
        path: ['useOptimalInstanceClasses'],
        input: false,
        message: 'expected instanceTypes or instanceClasses when useOptimalInstanceClasses is false',
      });
    }
    if (
      ce.launchTemplate &&
      (ce.launchTemplate.name === undefined) === (ce.launchTemplate.id === undefined)
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['launchTemplate'],
        input: ce.launchTemplate,
        message: 'expected exactly one of launchTemplate.name or launchTemplate.id',
      });
    }
  })
  .transform((ce) => {
    const isEc2 = ce.type === 'EC2' || ce.type === 'SPOT';
    return {
      ...ce,
      minvCpus: ce.minvCpus ?? 0,
      allocationStrategy: isEc2
        ? (ce.allocationStrategy ??
          (ce.type === 'SPOT' ? 'SPOT_PRICE_CAPACITY_OPTIMIZED' : 'BEST_FIT_PROGRESSIVE'))
        : undefined,
      imageType: isEc2 ? (ce.imageType ?? 'ECS_AL2023') : undefined,
    };
  });

// ---------------------------------------------------------------------------------------------
// job queues

const jobQueueSchema = strictObject({
  /** Higher runs first when queues share a compute environment. */
  priority: z.number().int().min(0).max(1000),
  /** @default true */
  enabled: z.boolean().default(true),
  /** Names from `computeEnvironments`, tried in this order (e.g. Spot first, On-Demand fallback). */
  computeEnvironments: z.array(shortName).min(1).max(3),
  /**
   * Cancel a job that sits at the head of the queue in RUNNABLE this long because no capacity
   * can run it (insufficient capacity, max vCPUs too small, no instance type fits).
   * @default - such jobs wait forever
   */
  stuckRunnableTimeoutMinutes: z.number().int().min(10).max(1440).optional(),
});

// ---------------------------------------------------------------------------------------------
// job definitions

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const envVarName = z
  .string()
  .regex(ENV_NAME, { error: 'expected an environment variable name (letters, digits, "_")' })
  .refine((name) => !name.startsWith('AWS_BATCH'), {
    error: 'expected a name not starting with AWS_BATCH (reserved by Batch)',
  });

const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
const SECRET_ARN =
  /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+-[A-Za-z0-9]{6}$/;

const secretSchema = strictObject({
  /** A Secrets Manager secret in this account and region: its name or its complete ARN. */
  secretsManager: z
    .string()
    .refine((v) => SECRET_NAME.test(v) || SECRET_ARN.test(v), {
      error: 'expected a Secrets Manager secret name or complete ARN',
    })
    .optional(),
  /** A JSON key inside the secret. @default - the whole secret string */
  field: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,256}$/, { error: 'expected a JSON key name' })
    .optional(),
  /** An SSM parameter name in this account and region, e.g. `/app/dev/token`. */
  ssmParameter: z
    .string()
    .regex(/^\/?[A-Za-z0-9_.\-/]{1,2048}$/, { error: 'expected an SSM parameter name like "/app/dev/token"' })
    .optional(),
}).superRefine((secret, ctx) => {
  if ((secret.secretsManager === undefined) === (secret.ssmParameter === undefined)) {
    ctx.addIssue({
      code: 'custom',
      path: [],
      input: secret,
      message: 'expected exactly one of secretsManager or ssmParameter',
    });
  }
  if (secret.field !== undefined && secret.secretsManager === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['field'],
      input: secret.field,
      message: 'expected field only with secretsManager',
    });
  }
});

const STATUS_REASON = /^[A-Za-z0-9.:\s]*\*?$/;
const EXIT_CODE = /^\d*\*?$/;

const evaluateOnExitSchema = strictObject({
  action: z.enum(['RETRY', 'EXIT']),
  /** Prefix of the job's status reason, e.g. `Host EC2*`. */
  onStatusReason: z
    .string()
    .max(512)
    .regex(STATUS_REASON, {
      error: 'expected letters, digits, ".", ":" and spaces, optionally ending with "*"',
    })
    .optional(),
  /** Prefix of the container's reason, e.g. `CannotPullContainerError*`. */
  onReason: z
    .string()
    .max(512)
    .regex(STATUS_REASON, {
      error: 'expected letters, digits, ".", ":" and spaces, optionally ending with "*"',
    })
    .optional(),
  /** Exit code, optionally ending with `*`. */
  onExitCode: z
    .string()
    .max(512)
    .regex(EXIT_CODE, { error: 'expected digits, optionally ending with "*"' })
    .optional(),
}).refine((rule) => rule.onStatusReason ?? rule.onReason ?? rule.onExitCode, {
  error: 'expected at least one of onStatusReason, onReason or onExitCode',
});

/**
 * Default retry rules: retry when EC2 reclaims a Spot instance or Fargate interrupts a Spot
 * task, exit on anything else (an application failure is not retried blindly).
 */
export const DEFAULT_EVALUATE_ON_EXIT = [
  { action: 'RETRY', onStatusReason: 'Host EC2*' },
  { action: 'RETRY', onStatusReason: 'Your Spot Task was interrupted*' },
  { action: 'EXIT', onReason: '*' },
] as const satisfies readonly z.input<typeof evaluateOnExitSchema>[];

const retrySchema = strictObject({
  /** @default 3 */
  attempts: z.number().int().min(1).max(10).default(3),
  /** At most 5 rules, first match wins. @default DEFAULT_EVALUATE_ON_EXIT */
  evaluateOnExit: z
    .array(evaluateOnExitSchema)
    .min(1)
    .max(5)
    .default(() => DEFAULT_EVALUATE_ON_EXIT.map((rule) => ({ ...rule }))),
});

const iamAction = z
  .string()
  .regex(/^([a-z0-9-]+:[A-Za-z0-9*]+|\*)$/, { error: 'expected an IAM action like "s3:GetObject"' });

const jobDefinitionSchema = strictObject({
  image: strictObject({
    /** A repository in this account and region. */
    ecrRepository: z
      .string()
      .regex(/^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/, {
        error: 'expected an ECR repository name like "team/processor"',
      })
      .max(256)
      .optional(),
    /**
     * The release tag. Changing it registers a new job-definition revision on deploy, so it
     * must be immutable: `latest` is refused.
     */
    tag: z
      .string()
      .regex(/^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/, { error: 'expected a Docker tag like "1.4.2"' })
      .refine((tag) => tag !== 'latest', { error: 'expected an immutable release tag, not "latest"' })
      .optional(),
    /** A public image, e.g. `public.ecr.aws/docker/library/busybox:1.36`. */
    uri: z
      .string()
      .regex(/^[^\s]+$/, { error: 'expected an image reference without spaces' })
      .max(255)
      .optional(),
  }).superRefine((image, ctx) => {
    const ecr = image.ecrRepository !== undefined || image.tag !== undefined;
    if (
      ecr === (image.uri !== undefined) ||
      (ecr && (image.ecrRepository === undefined || image.tag === undefined))
    ) {
      ctx.addIssue({
        code: 'custom',
        path: [],
        input: image,
        message: 'expected either { ecrRepository, tag } or { uri }',
      });
    }
  }),
  platform: z.enum(['EC2', 'FARGATE']),
  vcpus: z.number().positive(),
  memoryMiB: z.number().int().min(4),
  /** EC2 only. */
  gpus: positiveInt.optional(),
  command: z.array(z.string()).min(1).optional(),
  environment: z.record(envVarName, z.string()).optional(),
  /** Injected by the execution role at start; never plain environment values. */
  secrets: z.record(envVarName, secretSchema).optional(),
  /** @default { attempts: 3, evaluateOnExit: DEFAULT_EVALUATE_ON_EXIT } */
  retry: retrySchema.prefault({}),
  /** Attempt timeout. @default - no timeout */
  timeoutSeconds: z.number().int().min(60).optional(),
  /** EC2 only. @default false */
  privileged: z.boolean().default(false),
  /** @default true */
  readonlyRootFilesystem: z.boolean().default(true),
  /** Container user, e.g. `1000:1000`. @default - the image's user */
  user: z.string().min(1).max(255).optional(),
  /** Parameter defaults for `Ref::name` placeholders in `command`. */
  parameters: z.record(z.string().regex(/^[A-Za-z0-9_]+$/), z.string()).optional(),
  /** Propagate job tags to the ECS task. @default true */
  propagateTags: z.boolean().default(true),
  /** Retention of `/aws/batch/<env>/<name>`. @default 30 */
  logRetentionDays: retentionDays.default(30),
  /** Extra permissions of the job role (the role the container's code runs with). */
  jobRolePolicyStatements: z
    .array(strictObject({ actions: z.array(iamAction).min(1), resources: z.array(z.string().min(1)).min(1) }))
    .optional(),
  /**
   * Queues and definitions (short names from this config) the job may submit to, e.g. the
   * poller submitting processor jobs. Grants `batch:SubmitJob` on exactly those.
   */
  canSubmit: z.array(strictObject({ jobQueue: shortName, jobDefinition: shortName })).optional(),
}).superRefine((def, ctx) => {
  if (def.platform === 'FARGATE') {
    const memories = FARGATE_MEMORY_MIB.get(def.vcpus);
    if (!memories) {
      ctx.addIssue({
        code: 'custom',
        path: ['vcpus'],
        input: def.vcpus,
        message: `expected one of ${quote([...FARGATE_MEMORY_MIB.keys()])} on FARGATE`,
      });
    } else if (!memories.includes(def.memoryMiB)) {
      ctx.addIssue({
        code: 'custom',
        path: ['memoryMiB'],
        input: def.memoryMiB,
        message: `expected one of ${memories.join(', ')} with ${def.vcpus} vCPU on FARGATE`,
      });
    }
    for (const key of ['gpus', 'privileged'] as const) {
      if (def[key]) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          input: def[key],
          message: `expected no ${key} on FARGATE (EC2 only)`,
        });
      }
    }
  } else if (!Number.isInteger(def.vcpus)) {
    ctx.addIssue({
      code: 'custom',
      path: ['vcpus'],
      input: def.vcpus,
      message: 'expected a whole number of vCPUs on EC2',
    });
  }
  for (const name of Object.keys(def.secrets ?? {})) {
    if (def.environment && name in def.environment) {
      ctx.addIssue({
        code: 'custom',
        path: ['secrets', name],
        input: name,
        message: 'expected a name that is not also in environment',
      });
    }
  }
});

// ---------------------------------------------------------------------------------------------
// job runner, notifications, schedules

const jobRunnerSchema = strictObject({
  /** Queue short name used when a job request names none. */
  defaultJobQueue: shortName,
  /** How the runner learns that a job finished. @default 'poll' */
  completion: z.enum(['poll', 'events']).default('poll'),
  /** @default 30 */
  pollIntervalSeconds: z.number().int().min(5).max(3600).default(30),
  /** @default max(300, pollIntervalSeconds) */
  maxPollIntervalSeconds: z.number().int().min(5).max(3600).optional(),
  /** @default 86400 */
  deadlineSeconds: z.number().int().min(60).max(31_449_600).default(86_400),
  /** @default 30 */
  logRetentionDays: retentionDays.default(30),
})
  .superRefine((runner, ctx) => {
    if (
      runner.maxPollIntervalSeconds !== undefined &&
      runner.maxPollIntervalSeconds < runner.pollIntervalSeconds
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['maxPollIntervalSeconds'],
        input: runner.maxPollIntervalSeconds,
        message: `expected a number >= pollIntervalSeconds (${runner.pollIntervalSeconds})`,
      });
    }
  })
  .transform((runner) => ({
    ...runner,
    maxPollIntervalSeconds: runner.maxPollIntervalSeconds ?? Math.max(300, runner.pollIntervalSeconds),
  }));

const notificationsSchema = strictObject({
  slack: strictObject({
    /**
     * An existing Secrets Manager secret holding the webhook URL.
     * @default - the stack creates `batch-orchestrator/<env>/slack-webhook`; set its value after deploy
     */
    webhookSecretName: z
      .string()
      .regex(SECRET_NAME, { error: 'expected a Secrets Manager secret name' })
      .optional(),
  }).prefault({}),
  /** Job statuses that are posted to Slack. @default ['FAILED', 'SUCCEEDED'] */
  statuses: z
    .array(z.enum(JOB_STATUSES))
    .min(1)
    .refine((list) => new Set(list).size === list.length, { error: 'expected each status at most once' })
    .default(['FAILED', 'SUCCEEDED']),
  /** Post job-runner executions that fail, time out or are aborted. @default true */
  notifyExecutionFailures: z.boolean().default(true),
});

const RATE = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
const CRON = /^cron\(\S+( \S+){5}\)$/;

const scheduleExpression = z.string().superRefine((expression, ctx) => {
  const rate = RATE.exec(expression);
  if (rate) {
    const value = Number(rate[1]);
    const unit = rate[2] ?? '';
    const plural = unit.endsWith('s');
    if (value < 1 || (value === 1) === plural) {
      ctx.addIssue({
        code: 'custom',
        input: expression,
        message:
          'expected a positive rate with a singular unit for 1 ("rate(1 hour)") and plural otherwise ("rate(2 hours)")',
      });
    }
    return;
  }
  if (!CRON.test(expression)) {
    ctx.addIssue({
      code: 'custom',
      input: expression,
      message: 'expected "rate(<n> <unit>)" or "cron(<min> <hour> <day> <month> <weekday> <year>)"',
    });
  }
});

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const scheduleSchema = strictObject({
  name: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,48}$/, { error: 'expected 1-48 letters, digits, ".", "_" or "-"' }),
  /** `rate(...)`, `cron(...)` or `at(...)`. @default 'rate(1 hour)' */
  expression: scheduleExpression.default('rate(1 hour)'),
  /** IANA time zone of a cron expression. @default 'UTC' */
  timezone: z
    .string()
    .refine(isTimeZone, { error: 'expected an IANA time zone like "Europe/Paris"' })
    .default('UTC'),
  /** Let the scheduler start up to this many minutes late to spread load; 0 = exact. @default 0 */
  flexibleWindowMinutes: z.number().int().min(0).max(1440).default(0),
  /** @default true */
  enabled: z.boolean().default(true),
  /** The job request the runner is started with (validated by the job runner's schema). */
  request: z.record(z.string(), z.unknown()),
});

// ---------------------------------------------------------------------------------------------
// environment

const environmentConfigBase = strictObject({
  /** Environment name, e.g. `dev`: part of stack, queue and definition names. */
  name: z.string().regex(/^[a-z][a-z0-9]{0,15}$/, {
    error: 'expected 1-16 lowercase letters or digits, starting with a letter',
  }),
  /** @default - the CLI's account (environment-agnostic stack) */
  account: z
    .string()
    .regex(/^\d{12}$/, { error: 'expected a 12-digit AWS account id' })
    .optional(),
  /** @default - the CLI's region (environment-agnostic stack) */
  region: z
    .string()
    .regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, { error: 'expected a region like "eu-west-1"' })
    .optional(),
  /** Tags applied to every resource. */
  tags: z
    .record(
      z
        .string()
        .min(1)
        .max(128)
        .refine((key) => !key.toLowerCase().startsWith('aws:'), {
          error: 'expected a tag key not starting with "aws:"',
        }),
      z.string().max(256),
    )
    .optional(),
  network: networkSchema,
  computeEnvironments: z.record(shortName, computeEnvironmentSchema),
  jobQueues: z.record(shortName, jobQueueSchema),
  jobDefinitions: z.record(shortName, jobDefinitionSchema),
  jobRunner: jobRunnerSchema,
  notifications: notificationsSchema.prefault({}),
  /** @default [] */
  schedules: z.array(scheduleSchema).default([]),
});

type RefinementContext = z.core.$RefinementCtx<z.output<typeof environmentConfigBase>>;

function checkReference(
  ctx: RefinementContext,
  path: (string | number)[],
  value: string,
  known: readonly string[],
  what: string,
): void {
  if (!known.includes(value)) {
    ctx.addIssue({
      code: 'custom',
      path,
      input: value,
      message:
        known.length > 0
          ? `expected the name of a ${what} (${quote(known)})`
          : `expected the name of a ${what} (none defined)`,
    });
  }
}

/**
 * One environment's configuration: parse with `parseEnvironmentConfig` (config/load.ts) to get
 * messages that name the environment.
 */
export const environmentConfigSchema = environmentConfigBase.superRefine((config, ctx) => {
  const ceNames = Object.keys(config.computeEnvironments);
  const queueNames = Object.keys(config.jobQueues);
  const definitionNames = Object.keys(config.jobDefinitions);

  for (const [section, names] of [
    ['computeEnvironments', ceNames],
    ['jobQueues', queueNames],
    ['jobDefinitions', definitionNames],
  ] as const) {
    if (names.length === 0) {
      ctx.addIssue({ code: 'custom', path: [section], input: {}, message: 'expected at least one entry' });
    }
  }

  for (const [queueName, queue] of Object.entries(config.jobQueues)) {
    const seen = new Set<string>();
    queue.computeEnvironments.forEach((ceName, index) => {
      const path = ['jobQueues', queueName, 'computeEnvironments', index];
      checkReference(ctx, path, ceName, ceNames, 'compute environment');
      if (seen.has(ceName)) {
        ctx.addIssue({
          code: 'custom',
          path,
          input: ceName,
          message: 'expected each compute environment at most once',
        });
      }
      seen.add(ceName);
    });
    const kinds = new Set(
      queue.computeEnvironments
        .map((ceName) => config.computeEnvironments[ceName]?.type)
        .filter((type) => type !== undefined)
        .map((type) => (type.startsWith('FARGATE') ? 'Fargate' : 'EC2')),
    );
    if (kinds.size > 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['jobQueues', queueName, 'computeEnvironments'],
        input: queue.computeEnvironments,
        message:
          'expected only Fargate (FARGATE, FARGATE_SPOT) or only EC2 (EC2, SPOT) compute environments, not both',
      });
    }
  }

  if (
    config.network.mode === 'create' &&
    config.account &&
    config.region &&
    !config.network.availabilityZones
  ) {
    ctx.addIssue({
      code: 'custom',
      path: ['network', 'availabilityZones'],
      input: undefined,
      message:
        'expected zone names when account and region are set (synth must not look them up in the account)',
    });
  }
  if (config.network.mode === 'create' && !config.network.availabilityZones && config.network.maxAzs > 2) {
    ctx.addIssue({
      code: 'custom',
      path: ['network', 'maxAzs'],
      input: config.network.maxAzs,
      message:
        'expected at most 2 without availabilityZones (an environment-agnostic stack knows only 2 zones)',
    });
  }
  if (
    config.network.mode === 'import' &&
    config.network.subnetIds.length % config.network.availabilityZones.length !== 0
  ) {
    ctx.addIssue({
      code: 'custom',
      path: ['network', 'subnetIds'],
      input: config.network.subnetIds,
      message: `expected a multiple of ${config.network.availabilityZones.length} subnets (the same number in each availability zone, listed zone by zone)`,
    });
  }

  checkReference(
    ctx,
    ['jobRunner', 'defaultJobQueue'],
    config.jobRunner.defaultJobQueue,
    queueNames,
    'job queue',
  );

  for (const [definitionName, definition] of Object.entries(config.jobDefinitions)) {
    definition.canSubmit?.forEach((target, index) => {
      const path = ['jobDefinitions', definitionName, 'canSubmit', index];
      checkReference(ctx, [...path, 'jobQueue'], target.jobQueue, queueNames, 'job queue');
      checkReference(
        ctx,
        [...path, 'jobDefinition'],
        target.jobDefinition,
        definitionNames,
        'job definition',
      );
    });
  }

  const scheduleNames = new Set<string>();
  const physicalQueues = queueNames.map((name) => batchResourceName(config.name, name));
  const physicalDefinitions = definitionNames.map((name) => batchResourceName(config.name, name));
  config.schedules.forEach((schedule, index) => {
    if (scheduleNames.has(schedule.name)) {
      ctx.addIssue({
        code: 'custom',
        path: ['schedules', index, 'name'],
        input: schedule.name,
        message: 'expected a schedule name that is unique in this environment',
      });
    }
    scheduleNames.add(schedule.name);
    // A name (not an ARN) must be one this stack creates: a typo would otherwise fail every run.
    const { jobQueue, jobDefinition } = schedule.request;
    if (typeof jobQueue === 'string' && !jobQueue.startsWith('arn:')) {
      checkReference(
        ctx,
        ['schedules', index, 'request', 'jobQueue'],
        jobQueue,
        physicalQueues,
        'job queue of this stack (or an ARN)',
      );
    }
    if (typeof jobDefinition === 'string' && !jobDefinition.startsWith('arn:')) {
      const name = jobDefinition.replace(/:\d+$/, '');
      if (!physicalDefinitions.includes(name)) {
        checkReference(
          ctx,
          ['schedules', index, 'request', 'jobDefinition'],
          jobDefinition,
          physicalDefinitions,
          'job definition of this stack (or an ARN)',
        );
      }
    }
  });
});

/** A validated environment configuration, defaults applied. */
export type EnvironmentConfig = z.output<typeof environmentConfigSchema>;
/** What a `config/<env>.ts` file contains (defaults optional). */
export type EnvironmentConfigInput = z.input<typeof environmentConfigSchema>;
/** One compute environment, defaults applied. */
export type ComputeEnvironmentConfig = EnvironmentConfig['computeEnvironments'][string];
/** One job queue, defaults applied. */
export type JobQueueConfig = EnvironmentConfig['jobQueues'][string];
/** One job definition, defaults applied. */
export type JobDefinitionConfig = EnvironmentConfig['jobDefinitions'][string];
/** One secret reference of a job definition. */
export type JobSecretConfig = NonNullable<JobDefinitionConfig['secrets']>[string];
/** The network section. */
export type NetworkConfig = EnvironmentConfig['network'];
/** One schedule, defaults applied. */
export type ScheduleConfig = EnvironmentConfig['schedules'][number];
/** Notification settings, defaults applied. */
export type NotificationsConfig = EnvironmentConfig['notifications'];
/** Job runner defaults, defaults applied. */
export type JobRunnerConfig = EnvironmentConfig['jobRunner'];
