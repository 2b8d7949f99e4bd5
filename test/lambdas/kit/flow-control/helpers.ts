import type { FlowControlStore } from '../../../../lambdas/kit/flow-control/store.js';
import { type DynaliteHandle, startDynalite } from '../../../helpers/dynalite.js';

/** A clock the test moves: every control reads `now` from the store. */
export class TestClock {
  constructor(public ms = Date.UTC(2026, 0, 1)) {}
  readonly now = () => this.ms;
  advance(ms: number): void {
    this.ms += ms;
  }
}

let tables = 0;

/** A fresh flow control table (FlowControlTable's layout: key `pk`) in dynalite, with a test clock. */
export async function flowControlStore(dynamo: DynaliteHandle, clock = new TestClock()): Promise<FlowControlStore & { clock: TestClock }> {
  const tableName = `flow-control-${++tables}`;
  await dynamo.createTable(tableName, 'pk');
  return { client: dynamo.client, tableName, now: clock.now, clock };
}

export { type DynaliteHandle, startDynalite };
