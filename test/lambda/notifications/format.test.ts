import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseNotificationEvent } from '../../../lambda/notifications/slack-notifier/events';
import {
  consoleEncode,
  formatNotification,
  jobDefinitionName,
  logGroupFor,
  logStreamConsoleUrl,
  reportedLogGroup,
} from '../../../lambda/notifications/slack-notifier/format';

const fixture = (name: string) => readFileSync(join(__dirname, '../../events', name), 'utf8');
const format = (name: string, logGroups: Record<string, string> = {}) =>
  formatNotification(parseNotificationEvent(fixture(name)), {
    envName: 'dev',
    logGroupsByJobDefinition: logGroups,
  });
const allBlockText = (blocks: unknown) => JSON.stringify(blocks);

describe('consoleEncode', () => {
  it.each([
    ['/aws/batch/job', '$252Faws$252Fbatch$252Fjob'],
    ['processor/default/4d5e6f7a8b9c', 'processor$252Fdefault$252F4d5e6f7a8b9c'],
    ['a b#c', 'a$2520b$2523c'],
    ['plain-name_1', 'plain-name_1'],
  ])('double-encodes %s as %s', (input, expected) => {
    expect(consoleEncode(input)).toBe(expected);
  });
});

describe('jobDefinitionName and logGroupFor', () => {
  it.each([
    ['arn:aws:batch:eu-west-1:123456789012:job-definition/processor:7', 'processor'],
    ['processor:7', 'processor'],
    ['processor', 'processor'],
    [undefined, undefined],
  ])('reads the definition name of %s', (input, expected) => {
    expect(jobDefinitionName(input)).toBe(expected);
  });

  it("uses the definition's own log group and falls back to Batch's default", () => {
    expect(
      logGroupFor('arn:aws:batch:r:1:job-definition/processor:7', { processor: '/batch/dev/processor' }),
    ).toBe('/batch/dev/processor');
    expect(logGroupFor('arn:aws:batch:r:1:job-definition/other:1', { processor: '/x' })).toBe(
      '/aws/batch/job',
    );
  });

  it('prefers the awslogs group the job itself reports over the configured map', () => {
    const detail = {
      container: {
        logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/custom/group' } },
      },
    };
    expect(reportedLogGroup(detail)).toBe('/custom/group');
    expect(logGroupFor('processor:7', { processor: '/x' }, reportedLogGroup(detail))).toBe('/custom/group');
    expect(reportedLogGroup({ container: { logConfiguration: { logDriver: 'splunk', options: {} } } })).toBe(
      undefined,
    );
    expect(reportedLogGroup({})).toBe(undefined);
  });
});

describe('formatNotification: FAILED on Spot (fixture)', () => {
  const message = format('batch-job-state-change-failed-spot.json');

  it('shows environment, job name, status, job id and queue short name in text and blocks', () => {
    for (const expected of [
      'Environment: dev',
      'Job name: processor-2026-11-20T03',
      'Status: FAILED',
      'Job id: 9b2f0c6e-8d41-4a7b-b3e5-0f6a7c8d9e10',
      'Queue: processor-spot',
    ]) {
      expect(message.text).toContain(expected);
    }
    expect(message.text).not.toContain('job-queue/processor-spot');
    const blocks = allBlockText(message.blocks);
    expect(blocks).toContain('processor-spot');
    expect(blocks).toContain('9b2f0c6e-8d41-4a7b-b3e5-0f6a7c8d9e10');
    expect(blocks).toContain(':x:');
    expect(message.blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: ':x: processor-2026-11-20T03 FAILED', emoji: true },
    });
  });

  it("links the log stream in the event's region and Batch's default group, console-encoded", () => {
    const url =
      'https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1' +
      '#logsV2:log-groups/log-group/$252Faws$252Fbatch$252Fjob/log-events/processor$252Fdefault$252F4d5e6f7a8b9c';
    expect(message.text).toContain('Log stream: processor/default/4d5e6f7a8b9c');
    expect(message.text).toContain(`Logs: ${url}`);
    expect(allBlockText(message.blocks)).toContain(`<${url}|processor/default/4d5e6f7a8b9c>`);
  });

  it('shows exit code, status reason, container reason and the classifier result', () => {
    expect(message.text).toContain('Exit code: none');
    expect(message.text).toContain('Status reason: Host EC2 (instance i-08784105ffff56b4f) terminated.');
    expect(message.text).toContain('Container reason: none');
    expect(message.text).toContain('Classification: SpotInterrupted (retryable)');
    expect(allBlockText(message.blocks)).toContain('`SpotInterrupted` (retryable)');
  });

  it("uses the definition's log group when the stack maps one", () => {
    const mapped = format('batch-job-state-change-failed-spot.json', { processor: '/batch/dev/processor' });
    expect(mapped.text).toContain('log-group/$252Fbatch$252Fdev$252Fprocessor/log-events/');
  });
});

describe('formatNotification: FAILED out of memory (fixture)', () => {
  const message = format('batch-job-state-change-failed-oom.json');

  it('shows exit 137, the OOM container reason and classifies it as OutOfMemory', () => {
    expect(message.text).toContain('Exit code: 137');
    expect(message.text).toContain(
      'Container reason: OutOfMemoryError: Container killed due to memory usage',
    );
    expect(message.text).toContain('Status reason: Essential container in task exited');
    expect(message.text).toContain('Classification: OutOfMemory');
    expect(message.text).not.toContain('(retryable)');
    expect(message.text).toContain('Queue: poller-queue');
  });

  it("links the log in us-east-1, the event's region", () => {
    expect(message.text).toContain(
      'https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#logsV2:log-groups/log-group/$252Faws$252Fbatch$252Fjob/log-events/poller$252Fdefault$252Faa11bb22cc33',
    );
  });
});

describe('formatNotification: other statuses and shapes', () => {
  it('shows a RUNNABLE job without failure details or a log link', () => {
    const message = format('batch-job-state-change-runnable.json');
    expect(message.text).toContain(':hourglass_flowing_sand:');
    expect(message.text).toContain('Queue: PexjEHappyPathCanary2JobQueue');
    expect(message.text).not.toContain('Classification');
    expect(message.text).not.toContain('Log stream');
  });

  it('shows an array parent with its status summary instead of exit code and log', () => {
    const message = format('batch-job-state-change-array-parent-failed.json');
    expect(message.text).toContain('Array size: 10');
    expect(message.text).toContain('Children: SUCCEEDED 8, FAILED 2');
    expect(message.text).toContain('Status reason: Array Child Job failed');
    expect(message.text).not.toContain('Exit code');
    expect(message.text).not.toContain('Log stream');
    expect(message.text).toContain('Classification: JobFailed');
  });

  it('escapes Slack control characters in reasons', () => {
    const event = JSON.parse(fixture('batch-job-state-change-failed-oom.json'));
    event.detail.statusReason = 'stopped by <@U123> & friends';
    event.detail.attempts[0].statusReason = 'stopped by <@U123> & friends';
    const message = formatNotification(parseNotificationEvent(JSON.stringify(event)), { envName: 'prod' });
    expect(allBlockText(message.blocks)).toContain('stopped by &lt;@U123&gt; &amp; friends');
  });

  it('builds the log URL from region, group and stream', () => {
    expect(logStreamConsoleUrl('ap-south-1', '/g', 's/1')).toBe(
      'https://ap-south-1.console.aws.amazon.com/cloudwatch/home?region=ap-south-1#logsV2:log-groups/log-group/$252Fg/log-events/s$252F1',
    );
  });
});

describe('formatNotification: Step Functions execution failure', () => {
  const message = format('step-functions-execution-failed.json');

  it('shows state machine, execution, status, error and a console link to the execution', () => {
    expect(message.text).toContain('State machine: job-runner-dev');
    expect(message.text).toContain('Execution: hourly-poller-d32c5kddcf5bb8c3');
    expect(message.text).toContain('Status: FAILED');
    expect(message.text).toContain('Error: Batch.SpotInterrupted');
    expect(message.text).toContain('Environment: dev');
    expect(message.text).toContain(
      'https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/v2/executions/details/arn:aws:states:eu-west-1:123456789012:execution:job-runner-dev:hourly-poller-d32c5kddcf5bb8c3',
    );
    expect(message.text).toContain('classification: SpotInterrupted');
  });

  it.each([
    ['TIMED_OUT', ':alarm_clock:'],
    ['ABORTED', ':octagonal_sign:'],
  ])('marks %s with %s', (status, emoji) => {
    const event = JSON.parse(fixture('step-functions-execution-failed.json'));
    event.detail.status = status;
    event.detail.error = null;
    event.detail.cause = null;
    const m = formatNotification(parseNotificationEvent(JSON.stringify(event)), { envName: 'dev' });
    expect(m.text).toContain(`${emoji} [dev] Execution`);
    expect(m.text).toContain('Error: none');
  });
});

describe('parseNotificationEvent', () => {
  it('names the bad fields of an invalid event', () => {
    const event = JSON.parse(fixture('batch-job-state-change-failed-spot.json'));
    delete event.detail.jobId;
    expect(() => parseNotificationEvent(JSON.stringify(event))).toThrow(/detail\.jobId/);
  });

  it('rejects a message that is not JSON', () => {
    expect(() => parseNotificationEvent('not json')).toThrow(/not JSON/);
  });

  it('rejects an event from another source', () => {
    expect(() => parseNotificationEvent(JSON.stringify({ source: 'aws.ec2', id: 'x' }))).toThrow(
      /InvalidNotificationEvent|Invalid notification event/,
    );
  });
});
