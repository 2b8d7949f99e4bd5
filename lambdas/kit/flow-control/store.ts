import {
  type AttributeValue,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';

/** The flow control table: the client, its name, and the clock every control reads (tests move it). */
export interface FlowControlStore {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** Epoch ms. @default Date.now */
  readonly now?: () => number;
}

export type Item = Record<string, unknown>;

/**
 * The outcome of one conditional write: the item after it, or that its condition failed.
 * A control that must know why asks for the item the condition failed on
 * (`returnItemOnFailure`: ReturnValuesOnConditionCheckFailure ALL_OLD, in the same request;
 * absent when there was no item) or reads the item after (`readItem`): the decision was the
 * write's, the item only says what to do next.
 */
export type Conditional = { readonly ok: true; readonly item: Item } | { readonly ok: false; readonly item?: Item };

export function nowOf(store: FlowControlStore): number {
  return (store.now ?? Date.now)();
}

export function epochSeconds(ms: number): number {
  return Math.ceil(ms / 1000);
}

const keyOf = (pk: string) => ({ pk: { S: pk } });

function conditionFailed(thrown: unknown): thrown is ConditionalCheckFailedException {
  return thrown instanceof ConditionalCheckFailedException || (thrown as Error | undefined)?.name === 'ConditionalCheckFailedException';
}

/** A failed condition's outcome: with the item it failed on, when the write asked for it and there was one. */
function refused(thrown: ConditionalCheckFailedException): Conditional {
  return thrown.Item ? { ok: false, item: unmarshall(thrown.Item) } : { ok: false };
}

export interface WriteInput {
  readonly condition: string;
  readonly names?: Record<string, string>;
  readonly values?: Record<string, AttributeValue>;
  /** Return the item the condition failed on (ReturnValuesOnConditionCheckFailure ALL_OLD): no second request to learn why. */
  readonly returnItemOnFailure?: boolean;
}

const onFailure = (input: WriteInput) => (input.returnItemOnFailure ? { ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const } : {});

/** One conditional PutItem of the whole item. */
export async function conditionalPut(
  store: FlowControlStore,
  item: Record<string, AttributeValue>,
  input: WriteInput,
): Promise<Conditional> {
  try {
    await store.client.send(
      new PutItemCommand({
        TableName: store.tableName,
        Item: item,
        ConditionExpression: input.condition,
        ExpressionAttributeNames: input.names,
        ExpressionAttributeValues: input.values,
        ...onFailure(input),
      }),
    );
    return { ok: true, item: unmarshall(item) };
  } catch (thrown) {
    if (conditionFailed(thrown)) return refused(thrown);
    throw thrown;
  }
}

/** One conditional UpdateItem; the item after it. */
export async function conditionalUpdate(store: FlowControlStore, pk: string, update: string, input: WriteInput): Promise<Conditional> {
  try {
    const { Attributes } = await store.client.send(
      new UpdateItemCommand({
        TableName: store.tableName,
        Key: keyOf(pk),
        UpdateExpression: update,
        ConditionExpression: input.condition,
        ExpressionAttributeNames: input.names,
        ExpressionAttributeValues: input.values,
        ReturnValues: 'ALL_NEW',
        ...onFailure(input),
      }),
    );
    return { ok: true, item: Attributes ? unmarshall(Attributes) : { pk } };
  } catch (thrown) {
    if (conditionFailed(thrown)) return refused(thrown);
    throw thrown;
  }
}

/** One conditional DeleteItem; whether it deleted. */
export async function conditionalDelete(store: FlowControlStore, pk: string, input: WriteInput): Promise<boolean> {
  try {
    await store.client.send(
      new DeleteItemCommand({
        TableName: store.tableName,
        Key: keyOf(pk),
        ConditionExpression: input.condition,
        ExpressionAttributeNames: input.names,
        ExpressionAttributeValues: input.values,
      }),
    );
    return true;
  } catch (thrown) {
    if (conditionFailed(thrown)) return false;
    throw thrown;
  }
}

/** A strongly consistent read: a control that decides from an item must see the last write to it. */
export async function readItem(store: FlowControlStore, pk: string): Promise<Item | undefined> {
  const { Item } = await store.client.send(new GetItemCommand({ TableName: store.tableName, Key: keyOf(pk), ConsistentRead: true }));
  return Item ? unmarshall(Item) : undefined;
}

export const n = (value: number): AttributeValue => ({ N: String(value) });
export const s = (value: string): AttributeValue => ({ S: value });
