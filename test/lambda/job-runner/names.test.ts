import { describe, expect, it } from 'vitest';
import {
  aliasesFromEnv,
  NO_ALIASES,
  resolveJobDefinition,
  resolveJobQueue,
  resolveNames,
} from '../../../lambda/job-runner/shared/names';

const aliases = {
  jobQueues: { processor: 'dev-processor' },
  jobDefinitions: { processor: 'dev-processor', poller: 'dev-poller' },
};

describe('short names of queues and job definitions', () => {
  it.each([
    ['processor', 'dev-processor'],
    ['dev-processor', 'dev-processor'],
    ['other', 'other'],
    [
      'arn:aws:batch:eu-west-1:123456789012:job-queue/processor',
      'arn:aws:batch:eu-west-1:123456789012:job-queue/processor',
    ],
  ])('resolves queue %s to %s', (given, expected) => {
    expect(resolveJobQueue(given, aliases)).toBe(expected);
  });

  it.each([
    ['processor', 'dev-processor'],
    ['processor:7', 'dev-processor:7'],
    ['dev-poller:2', 'dev-poller:2'],
    ['unknown:3', 'unknown:3'],
    [
      'arn:aws:batch:eu-west-1:123456789012:job-definition/processor:7',
      'arn:aws:batch:eu-west-1:123456789012:job-definition/processor:7',
    ],
  ])('resolves job definition %s to %s', (given, expected) => {
    expect(resolveJobDefinition(given, aliases)).toBe(expected);
  });

  it('resolves both fields of a request and leaves an absent queue absent', () => {
    expect(resolveNames({ jobName: 'n', jobDefinition: 'poller', jobQueue: 'processor' }, aliases)).toEqual({
      jobName: 'n',
      jobDefinition: 'dev-poller',
      jobQueue: 'dev-processor',
    });
    expect(resolveNames({ jobName: 'n', jobDefinition: 'poller' }, aliases)).toEqual({
      jobName: 'n',
      jobDefinition: 'dev-poller',
    });
  });

  it('reads the aliases from RESOURCE_NAME_ALIASES, none when it is absent', () => {
    expect(aliasesFromEnv({ RESOURCE_NAME_ALIASES: JSON.stringify(aliases) })).toEqual(aliases);
    expect(aliasesFromEnv({})).toEqual(NO_ALIASES);
  });

  it('fails naming RESOURCE_NAME_ALIASES when it is malformed', () => {
    expect(() => aliasesFromEnv({ RESOURCE_NAME_ALIASES: '{' })).toThrow(/RESOURCE_NAME_ALIASES/);
    expect(() => aliasesFromEnv({ RESOURCE_NAME_ALIASES: '{"jobQueues":[]}' })).toThrow(
      /RESOURCE_NAME_ALIASES/,
    );
  });
});
