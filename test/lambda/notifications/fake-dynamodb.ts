/**
 * An in-memory DynamoDB table behind aws-sdk-client-mock, just faithful enough
 * for Powertools idempotency: conditional PutItem (the record must not exist
 * unless expired), GetItem, UpdateItem with `SET a = :b, ...`, DeleteItem.
 */
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';

type Item = Record<string, { S?: string; N?: string }>;

/** The fake table: its items by key, and the mock to assert calls on. */
export interface FakeTable {
  readonly items: Map<string, Item>;
  readonly mock: AwsClientStub<DynamoDBClient>;
  reset(): void;
}

const keyOf = (key: Item | undefined) => JSON.stringify(key?.id);

/** Installs the fake on every DynamoDBClient. */
export function fakeIdempotencyTable(): FakeTable {
  const items = new Map<string, Item>();
  const mock = mockClient(DynamoDBClient);
  const install = () => {
    mock.on(PutItemCommand).callsFake((input: { Item: Item }) => {
      const existing = items.get(keyOf(input.Item));
      const now = Date.now() / 1000;
      const expired = existing !== undefined && Number(existing.expiration?.N ?? 0) < now;
      const inProgressExpired =
        existing?.status?.S === 'INPROGRESS' &&
        existing.in_progress_expiration?.N !== undefined &&
        Number(existing.in_progress_expiration.N) < Date.now();
      if (existing !== undefined && !expired && !inProgressExpired) {
        throw new ConditionalCheckFailedException({
          message: 'The conditional request failed',
          $metadata: {},
          Item: existing,
        } as ConstructorParameters<typeof ConditionalCheckFailedException>[0]);
      }
      items.set(keyOf(input.Item), { ...input.Item });
      return {};
    });
    mock.on(GetItemCommand).callsFake((input: { Key: Item }) => ({ Item: items.get(keyOf(input.Key)) }));
    mock.on(DeleteItemCommand).callsFake((input: { Key: Item }) => {
      items.delete(keyOf(input.Key));
      return {};
    });
    mock
      .on(UpdateItemCommand)
      .callsFake(
        (input: {
          Key: Item;
          UpdateExpression: string;
          ExpressionAttributeNames: Record<string, string>;
          ExpressionAttributeValues: Item;
        }) => {
          const item = { ...(items.get(keyOf(input.Key)) ?? input.Key) };
          for (const assignment of input.UpdateExpression.replace(/^SET\s+/i, '').split(',')) {
            const [name, value] = assignment.split('=').map((s) => s.trim());
            const attribute = input.ExpressionAttributeNames[name ?? ''] ?? name ?? '';
            const attributeValue = input.ExpressionAttributeValues[value ?? ''];
            if (attributeValue !== undefined) item[attribute] = attributeValue;
          }
          items.set(keyOf(input.Key), item);
          return {};
        },
      );
  };
  install();
  return {
    items,
    mock,
    reset: () => {
      items.clear();
      mock.reset();
      install();
    },
  };
}
