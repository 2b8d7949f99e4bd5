import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { RemovalPolicy } from 'aws-cdk-lib/core';
import { Construct } from 'constructs';
import { ENV, EXPIRES_AT_ATTRIBUTE } from '../../contracts/wiring.js';
import { SwitchyardEncryption } from './encryption.js';
import { grantTableKey } from './key-grants.js';
import { warnIfUnconnected } from './unconnected-grant.js';

export interface FlowControlTableProps {
  /**
   * What happens to the table when the stack is deleted: it holds only leases, counters and
   * pauses that expire by themselves, so nothing is lost with it.
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The table keyed flow control keeps its state in (the kit's `lambdas/kit/flow-control`):
 * one item per control and key, every change one conditional write. Items are named
 * `<control>#<flow>#<key>` (`concurrency#…`, `rate#…`, `debounce#…`, `pause#…`,
 * `tokens#…`), so one table serves every flow of an app. Every item carries
 * `expiresAt` (epoch seconds), which DynamoDB TTL reads to delete the leftovers of keys
 * no longer used; the kit never relies on TTL for correctness (TTL deletes late), it
 * compares `expiresAt` itself in each condition.
 */
export class FlowControlTable extends Construct {
  /** Partition key attribute (no sort key). */
  static readonly KEY_ATTRIBUTE = 'pk';
  /** TTL attribute (epoch seconds). */
  static readonly TTL_ATTRIBUTE = EXPIRES_AT_ATTRIBUTE;

  /**
   * Lets `grantee` use a flow control table it did not create (`FlowControlTable.grantUse` of
   * an imported table): the item operations the kit uses, and the table's key. Grants only.
   */
  static grantUseOf(table: dynamodb.ITable, grantee: iam.IGrantable): iam.Grant {
    warnIfUnconnected(table, grantee, {
      kind: 'FlowControlTable',
      table,
      variable: ENV.flowControlTable,
      grant: 'FlowControlTable.grantUseOf',
      connect: 'FlowControlTable.connectTo(table, fn)',
    });
    return FlowControlTable.#grantItems(table, grantee);
  }

  static #grantItems(table: dynamodb.ITable, grantee: iam.IGrantable): iam.Grant {
    grantTableKey(table, grantee);
    return table.grant(grantee, 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem');
  }

  /**
   * Gives `fn` a flow control table it did not create: the table name in
   * `ENV.flowControlTable`, where the kit reads it at cold start, and `grantUseOf(table, fn)`.
   */
  static connectTo(table: dynamodb.ITable, fn: lambda.Function): iam.Grant {
    fn.addEnvironment(ENV.flowControlTable, table.tableName);
    return FlowControlTable.grantUseOf(table, fn);
  }

  /** The table: pass it to `QueueConsumer` (`flowControl.table`) and `AgentGraph` (`flowControlTable`) to share it. */
  public readonly table: dynamodb.ITable;

  constructor(scope: Construct, id: string, props: FlowControlTableProps = {}) {
    super(scope, id);
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: FlowControlTable.KEY_ATTRIBUTE, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: FlowControlTable.TTL_ATTRIBUTE,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      ...SwitchyardEncryption.tableEncryption(this),
      removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY,
    });
  }

  /**
   * Lets `grantee` take and release leases, counters and pauses (GetItem, PutItem,
   * UpdateItem, DeleteItem on this table only). Grants only: `connect` also tells a function
   * where the table is.
   */
  grantUse(grantee: iam.IGrantable): iam.Grant {
    warnIfUnconnected(this, grantee, { kind: 'FlowControlTable', table: this.table, variable: ENV.flowControlTable, grant: 'grantUse' });
    return FlowControlTable.#grantItems(this.table, grantee);
  }

  /** Gives `fn` this table: its name in `ENV.flowControlTable` and `grantUse(fn)`. */
  connect(fn: lambda.Function): iam.Grant {
    return FlowControlTable.connectTo(this.table, fn);
  }

  /** Lets `grantee` read the state (an operator's tool listing keys in flight, held back or paused). */
  grantRead(grantee: iam.IGrantable): iam.Grant {
    grantTableKey(this.table, grantee);
    return this.table.grant(grantee, 'dynamodb:GetItem', 'dynamodb:Scan', 'dynamodb:Query');
  }
}
