import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { ListMessageMoveTasksCommand, SQSClient, StartMessageMoveTaskCommand } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { eventsInDeadLetter } from '../../../lambda/notifications/slack-notifier/dead-letters';
import { main, parseArgs } from '../../../scripts/replay-dlq';

const sqs = mockClient(SQSClient);
const cloudformation = mockClient(CloudFormationClient);
const DLQ = 'arn:aws:sqs:eu-west-1:123456789012:T-NotificationsDeadLetterQueue';
const REPLAY = 'arn:aws:sqs:eu-west-1:123456789012:T-NotificationsReplayQueue';
const event = readFileSync(join(__dirname, '../../events/batch-job-state-change-failed-spot.json'), 'utf8');

function run(argv: string[]) {
  const lines: string[] = [];
  const out = { log: (l: string) => lines.push(l), error: (l: string) => lines.push(`ERR ${l}`) };
  const clients = () => ({ sqs: new SQSClient({}), cloudformation: new CloudFormationClient({}) });
  return main(argv, clients, out).then((code) => ({ code, lines }));
}

beforeEach(() => {
  sqs.reset();
  cloudformation.reset();
});

describe('parseArgs', () => {
  it.each([
    [['--stack', 'Orchestrator-dev'], { stack: 'Orchestrator-dev', wait: true }],
    [
      ['--stack=Orchestrator-dev', '--no-wait', '--rate', '10'],
      { stack: 'Orchestrator-dev', wait: false, rate: 10 },
    ],
    [
      ['--dlq-arn', DLQ, '--replay-queue-arn', REPLAY, '--region', 'eu-west-1'],
      { dlqArn: DLQ, replayQueueArn: REPLAY, region: 'eu-west-1' },
    ],
  ])('reads %o', (argv, expected) => {
    expect(parseArgs(argv)).toMatchObject(expected);
  });

  it.each([
    [[], /Give --stack/],
    [['--stack'], /--stack needs a value/],
    [['--dlq-arn', DLQ], /both --dlq-arn and --replay-queue-arn/],
    [['--stack', 's', '--dlq-arn', DLQ], /not both/],
    [['--stack', 's', '--rate', '0'], /--rate must be an integer 1..500/],
    [['--queue', 'x'], /Unknown argument "--queue"/],
  ])('rejects %o', (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(message);
  });
});

describe('replay-dlq main', () => {
  it('reads the queue ARNs from the stack, moves the DLQ to the replay queue and waits for completion', async () => {
    cloudformation.on(DescribeStacksCommand).resolves({
      Stacks: [
        {
          StackName: 'Orchestrator-dev',
          CreationTime: new Date(),
          StackStatus: 'UPDATE_COMPLETE',
          Outputs: [
            { OutputKey: 'NotificationsDeadLetterQueueArn', OutputValue: DLQ },
            { OutputKey: 'NotificationsReplayQueueArn', OutputValue: REPLAY },
          ],
        },
      ],
    });
    sqs.on(StartMessageMoveTaskCommand).resolves({ TaskHandle: 'handle-1' });
    sqs
      .on(ListMessageMoveTasksCommand)
      .resolvesOnce({ Results: [{ Status: 'RUNNING', SourceArn: DLQ, ApproximateNumberOfMessagesMoved: 1 }] })
      .resolves({ Results: [{ Status: 'COMPLETED', SourceArn: DLQ, ApproximateNumberOfMessagesMoved: 3 }] });
    const { code, lines } = await run(['--stack', 'Orchestrator-dev']);
    expect(code).toBe(0);
    expect(sqs).toHaveReceivedCommandWith(StartMessageMoveTaskCommand, {
      SourceArn: DLQ,
      DestinationArn: REPLAY,
    });
    expect(cloudformation).toHaveReceivedCommandWith(DescribeStacksCommand, {
      StackName: 'Orchestrator-dev',
    });
    expect(lines.join('\n')).toContain('move task COMPLETED: 3 message(s) moved');
  }, 10_000);

  it('exits 1 when the move task fails', async () => {
    sqs.on(StartMessageMoveTaskCommand).resolves({ TaskHandle: 'h' });
    sqs
      .on(ListMessageMoveTasksCommand)
      .resolves({ Results: [{ Status: 'FAILED', FailureReason: 'AccessDenied' }] });
    const { code, lines } = await run(['--dlq-arn', DLQ, '--replay-queue-arn', REPLAY]);
    expect(code).toBe(1);
    expect(lines.join('\n')).toContain('AccessDenied');
  });

  it('exits 64 on a usage error and when the stack lacks the outputs', async () => {
    expect((await run([])).code).toBe(64);
    cloudformation.on(DescribeStacksCommand).resolves({ Stacks: [] });
    expect((await run(['--stack', 'Other'])).code).toBe(64);
    expect(sqs).not.toHaveReceivedCommand(StartMessageMoveTaskCommand);
  });

  it('returns at once with --no-wait', async () => {
    sqs.on(StartMessageMoveTaskCommand).resolves({ TaskHandle: 'h-2' });
    const { code, lines } = await run([
      '--dlq-arn',
      DLQ,
      '--replay-queue-arn',
      REPLAY,
      '--no-wait',
      '--rate',
      '5',
    ]);
    expect(code).toBe(0);
    expect(sqs).toHaveReceivedCommandWith(StartMessageMoveTaskCommand, { MaxNumberOfMessagesPerSecond: 5 });
    expect(sqs).not.toHaveReceivedCommand(ListMessageMoveTasksCommand);
    expect(lines.join('\n')).toContain('h-2');
  });
});

describe('eventsInDeadLetter', () => {
  const sns = { Records: [{ Sns: { Message: event } }, { Sns: { Message: '{"id":"2"}' } }] };
  it.each([
    [
      'the notifier dead letter',
      JSON.stringify({
        kind: 'batch-orchestrator.slack-notifier.dead-letter',
        error: 'PermanentDeliveryError',
        reason: 'x',
        message: event,
      }),
      [event],
    ],
    [
      'the Lambda on-failure record',
      JSON.stringify({
        version: '1.0',
        requestContext: { condition: 'RetriesExhausted' },
        requestPayload: sns,
        responsePayload: {},
      }),
      [event, '{"id":"2"}'],
    ],
    [
      'the SNS subscription dead letter',
      JSON.stringify({ Type: 'Notification', MessageId: 'm', Message: event }),
      [event],
    ],
    ['the EventBridge target dead letter', event, [event]],
  ])('reads %s', (_name, body, expected) => {
    expect(eventsInDeadLetter(body)).toEqual(expected);
  });

  it.each([['not json'], ['[]'], ['{"foo":1}'], ['{"requestContext":{},"requestPayload":{"Records":[]}}']])(
    'returns undefined for %s',
    (body) => {
      expect(eventsInDeadLetter(body)).toBeUndefined();
    },
  );
});
