/**
 * Concrete ASL of the job runner: synthesizes {@link JobRunner} in a
 * throwaway stack (placeholder account, region, queues and definitions) and
 * resolves the CloudFormation intrinsics of its DefinitionString with
 * placeholder ARNs. Used by `npm run asl`, the ASL tests and the benchmark,
 * so all three run exactly what CDK would deploy.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as batch from 'aws-cdk-lib/aws-batch';
import { JobRunner, type JobRunnerProps } from '../lib/job-runner';

/** Placeholder account and region of the throwaway stack. */
export const PLACEHOLDER_ENV = { account: '123456789012', region: 'eu-west-1' } as const;

/** Options of {@link createJobRunnerTestStack}. */
export interface JobRunnerTestStackOptions {
  /** Bundle the handlers with esbuild (slow); default false. */
  readonly bundle?: boolean;
  /** Overrides of the JobRunner props. */
  readonly props?: Partial<JobRunnerProps>;
}

/** A stack holding only a JobRunner over imported placeholder queues and definitions. */
export function createJobRunnerTestStack(options: JobRunnerTestStackOptions = {}): {
  app: App;
  stack: Stack;
  runner: JobRunner;
} {
  const app = new App({
    context: options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] },
  });
  const stack = new Stack(app, 'JobRunnerTest', { env: PLACEHOLDER_ENV });
  const arn = (kind: string, name: string) =>
    `arn:aws:batch:${PLACEHOLDER_ENV.region}:${PLACEHOLDER_ENV.account}:${kind}/${name}`;
  const defaultQueue = batch.JobQueue.fromJobQueueArn(stack, 'DefaultQueue', arn('job-queue', 'dev-default'));
  const spotQueue = batch.JobQueue.fromJobQueueArn(stack, 'SpotQueue', arn('job-queue', 'dev-spot'));
  const poller = batch.EcsJobDefinition.fromJobDefinitionArn(
    stack,
    'Poller',
    arn('job-definition', 'dev-poller'),
  );
  const processor = batch.EcsJobDefinition.fromJobDefinitionArn(
    stack,
    'Processor',
    arn('job-definition', 'dev-processor'),
  );
  const runner = new JobRunner(stack, 'JobRunner', {
    envName: 'test',
    jobQueues: { default: defaultQueue, spot: spotQueue },
    jobDefinitions: { poller, processor },
    defaultJobQueue: defaultQueue,
    ...options.props,
  });
  return { app, stack, runner };
}

/** The state machine's definition with every intrinsic resolved to a placeholder (poll mode unless `props` say). */
export function synthesizeJobRunnerAsl(props: Partial<JobRunnerProps> = {}): Record<string, unknown> {
  const { stack } = createJobRunnerTestStack({ props });
  return aslOf(Template.fromStack(stack).toJSON() as CfnTemplate);
}

interface CfnTemplate {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
}

/** Extracts and resolves the DefinitionString of the (only) state machine in a template. */
export function aslOf(template: CfnTemplate): Record<string, unknown> {
  const machine = Object.values(template.Resources).find(
    (r) => r.Type === 'AWS::StepFunctions::StateMachine',
  );
  if (machine === undefined) throw new Error('no AWS::StepFunctions::StateMachine in the template');
  const definition = resolveIntrinsics(machine.Properties?.DefinitionString, template);
  if (typeof definition !== 'string') throw new Error('DefinitionString did not resolve to a string');
  return JSON.parse(definition) as Record<string, unknown>;
}

function resolveIntrinsics(value: unknown, template: CfnTemplate): unknown {
  if (typeof value === 'string' || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((v) => resolveIntrinsics(v, template));
  const v = value as Record<string, unknown>;
  if ('Fn::Join' in v) {
    const [separator, parts] = v['Fn::Join'] as [string, unknown[]];
    return parts.map((p) => String(resolveIntrinsics(p, template))).join(separator);
  }
  if ('Ref' in v) {
    const ref = v.Ref as string;
    if (ref === 'AWS::Partition') return 'aws';
    if (ref === 'AWS::Region') return PLACEHOLDER_ENV.region;
    if (ref === 'AWS::AccountId') return PLACEHOLDER_ENV.account;
    if (ref === 'AWS::URLSuffix') return 'amazonaws.com';
    return ref;
  }
  if ('Fn::GetAtt' in v) {
    const [logicalId, attribute] = v['Fn::GetAtt'] as [string, string];
    const resource = template.Resources[logicalId];
    if (resource?.Type === 'AWS::Lambda::Function' && attribute === 'Arn') {
      return `arn:aws:lambda:${PLACEHOLDER_ENV.region}:${PLACEHOLDER_ENV.account}:function:${logicalId}`;
    }
    return `${logicalId}.${attribute}`;
  }
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolveIntrinsics(x, template)]));
}
