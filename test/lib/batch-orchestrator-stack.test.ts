import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { loadEnvironmentConfig } from '../../config/load';
import { BatchOrchestratorStack } from '../../lib/batch-orchestrator-stack';

vi.stubEnv('CDK_VALIDATION', 'false');

let template: Template;

beforeAll(() => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new BatchOrchestratorStack(app, 'BatchOrchestrator-dev', {
    config: loadEnvironmentConfig('dev'),
  });
  template = Template.fromStack(stack);
});

describe('BatchOrchestratorStack', () => {
  it('lets job requests name queues and definitions by their config short names', () => {
    // Given the dev config's queues (poller, processor) and definitions (poller, processor)
    const expected = {
      jobQueues: { poller: 'dev-poller', processor: 'dev-processor' },
      jobDefinitions: { poller: 'dev-poller', processor: 'dev-processor' },
    };
    // Then Validate (which resolves them) and the reaper (which must find the same queue) get the map
    const functions = template.findResources('AWS::Lambda::Function', {
      Properties: {
        Environment: { Variables: Match.objectLike({ RESOURCE_NAME_ALIASES: Match.anyValue() }) },
      },
    });
    const described = Object.values(functions).map((f) => String(f.Properties.Description));
    expect(described.some((d) => /Validates a job request/.test(d))).toBe(true);
    expect(described.some((d) => /Terminates the job of a stopped/.test(d))).toBe(true);
    expect(described).toHaveLength(2);
    for (const f of Object.values(functions)) {
      expect(JSON.parse(f.Properties.Environment.Variables.RESOURCE_NAME_ALIASES)).toEqual(expected);
    }
  });
});
