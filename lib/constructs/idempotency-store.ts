import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { RemovalPolicy } from 'aws-cdk-lib/core';
import { Construct } from 'constructs';
import { ENV } from '../../contracts/wiring.js';
import { SwitchyardEncryption } from './encryption.js';
import { grantTableKey } from './key-grants.js';
import { warnIfUnconnected } from './unconnected-grant.js';

export interface IdempotencyStoreProps {
  /**
   * What happens to the table (and every claim in it) when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The table in which handlers claim side effects before running them (one conditional
 * write per record, Powertools idempotency's layout: key `id`, TTL `expiration`).
 * On-demand, with point-in-time recovery; expired claims are deleted by DynamoDB TTL.
 */
export class IdempotencyStore extends Construct {
  /** Partition key attribute (Powertools' default). */
  static readonly KEY_ATTRIBUTE = 'id';
  /** TTL attribute (Powertools' default `expiration`, epoch seconds). */
  static readonly TTL_ATTRIBUTE = 'expiration';

  public readonly table: dynamodb.ITable;

  constructor(scope: Construct, id: string, props: IdempotencyStoreProps = {}) {
    super(scope, id);
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: IdempotencyStore.KEY_ATTRIBUTE, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: IdempotencyStore.TTL_ATTRIBUTE,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      ...SwitchyardEncryption.tableEncryption(this),
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
  }

  /**
   * Lets `grantee` claim, complete and release idempotency records: exactly the item
   * operations Powertools uses, and the table's key. Grants only: `connect` also tells a
   * function where the table is.
   */
  grant(grantee: iam.IGrantable): iam.Grant {
    warnIfUnconnected(this, grantee, { kind: 'IdempotencyStore', table: this.table, variable: ENV.idempotencyTable, grant: 'grant' });
    grantTableKey(this.table, grantee);
    return this.table.grant(grantee, 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem');
  }

  /**
   * Gives `fn` this store: the table name in `ENV.idempotencyTable`, where the kit's
   * idempotency reads it at cold start, and `grant(fn)`.
   */
  connect(fn: lambda.Function): iam.Grant {
    fn.addEnvironment(ENV.idempotencyTable, this.table.tableName);
    return this.grant(fn);
  }
}
