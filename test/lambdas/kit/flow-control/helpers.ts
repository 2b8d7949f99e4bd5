import type { FlowControlStore } from '../../../../lambdas/kit/flow-control/store.js';
import { type DynamoDbHandle, useDynamoDb } from '../../../helpers/dynamodb-engine.js';

/** A clock the test moves: every control reads `now` from the store. */
export class TestClock {
  constructor(public ms = Date.UTC(2026, 0, 1)) {}
  readonly now = () => this.ms;
  advance(ms: number): void {
    this.ms += ms;
  }
}

let tables = 0;

/** A fresh flow control table (FlowControlTable's layout: key `pk`) in the local DynamoDB engine, with a test clock. */
export async function flowControlStore(dynamo: DynamoDbHandle, clock = new TestClock()): Promise<FlowControlStore & { clock: TestClock }> {
  const tableName = `flow-control-${++tables}`;
  await dynamo.createTable(tableName, 'pk');
  return { client: dynamo.client, tableName, now: clock.now, clock };
}

export { type DynamoDbHandle, useDynamoDb };
