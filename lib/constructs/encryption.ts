import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Duration, type IResolvable, Stack, Token } from 'aws-cdk-lib/core';
import { Construct, type IConstruct } from 'constructs';
import { invalidProp, validateRange } from './validation.js';

/** The key of a SwitchyardEncryption: a new one, or the app's own. */
export interface SwitchyardEncryptionProps {
  /**
   * The customer-managed key to encrypt with. It must be a `kms.Key` this app creates (its
   * key policy gets the statements CloudWatch Logs and EventBridge need) and rotate
   * (`enableKeyRotation: true`).
   * @default - a new key, rotated every year
   */
  readonly key?: kms.Key;
  /**
   * How long a key Switchyard creates waits before it is deleted, once its stack is (7 to 30 days).
   * Only with no `key`.
   * @default Duration.days(30)
   */
  readonly pendingWindow?: Duration;
}

const keys = new WeakMap<Stack, kms.Key>();
/** Stacks in which a construct has already looked for a key and found none. */
const lookedUp = new WeakSet<Stack>();

/**
 * One customer-managed KMS key for everything Switchyard creates in a stack: the event
 * bus and its archive, every queue, every table, every log group, the webhook secrets and
 * the alarm topic. Create it first in the stack, before the constructs it encrypts (they
 * look it up when they are created); without it they keep AWS-managed keys (SQS-managed
 * for queues). The key policy lets CloudWatch Logs (for this stack's region and account,
 * log groups only) and EventBridge (this account's rules, for target and dead-letter
 * queues) use the key; functions, pipes and schedules are granted it with the queues,
 * tables and secrets they use.
 */
export class SwitchyardEncryption extends Construct {
  /** The key of the stack that holds `scope`, if the stack has a SwitchyardEncryption. */
  static keyOf(scope: IConstruct): kms.IKey | undefined {
    const stack = Stack.of(scope);
    const key = keys.get(stack);
    if (key === undefined) lookedUp.add(stack);
    return key;
  }

  /** What a DynamoDB table takes: the stack's key if it has one, the AWS-managed key if not. */
  static tableEncryption(scope: IConstruct): { encryption: dynamodb.TableEncryption; encryptionKey?: kms.IKey } {
    const key = SwitchyardEncryption.keyOf(scope);
    return key === undefined
      ? { encryption: dynamodb.TableEncryption.AWS_MANAGED }
      : { encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED, encryptionKey: key };
  }

  /** The key everything is encrypted with. */
  public readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: SwitchyardEncryptionProps = {}) {
    super(scope, id);
    const stack = Stack.of(this);
    if (keys.has(stack)) {
      invalidProp(this, `a stack takes one SwitchyardEncryption (got a second; the first is ${keys.get(stack)?.node.path})`);
    }
    if (lookedUp.has(stack)) {
      invalidProp(this, 'SwitchyardEncryption must be created before the constructs it encrypts (got it after some of them in this stack)');
    }
    if (props.key !== undefined) {
      if (!(props.key instanceof kms.Key)) {
        invalidProp(this, 'key must be a kms.Key created in this app, whose key policy Switchyard can add to (got an imported key)');
      }
      if (props.pendingWindow !== undefined)
        invalidProp(this, 'pendingWindow applies only to a key Switchyard creates (got it with a key)');
      const rotation = (props.key.node.defaultChild as kms.CfnKey).enableKeyRotation as boolean | IResolvable | undefined;
      if (rotation !== true && !Token.isUnresolved(rotation)) {
        invalidProp(this, `key must rotate: create it with enableKeyRotation: true (got ${String(rotation ?? false)})`);
      }
    }
    validateRange(this, 'pendingWindow', props.pendingWindow?.toDays(), 7, 30, 'days');

    this.key =
      props.key ??
      new kms.Key(this, 'Key', {
        description: `Encrypts the Switchyard resources of ${stack.stackName}: bus, queues, tables, logs, secrets`,
        enableKeyRotation: true,
        pendingWindow: props.pendingWindow ?? Duration.days(30),
      });

    // CloudWatch Logs encrypts with the key itself, for this stack's log groups only.
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchLogsToUseTheKey',
        principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:*` },
        },
      }),
    );
    // EventBridge sends to encrypted queues (rule targets and their dead-letter queues) as itself.
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowEventBridgeToSendToEncryptedQueues',
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    );
    keys.set(stack, this.key);
  }
}
