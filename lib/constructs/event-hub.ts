import * as events from 'aws-cdk-lib/aws-events';
import * as schemas from 'aws-cdk-lib/aws-eventschemas';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Duration, Lazy, Stack, Token } from 'aws-cdk-lib/core';
import { Construct } from 'constructs';
import { type AnyEventContract, registrySchema } from '../../contracts/index.js';
import { ENV } from '../../contracts/wiring.js';
import { validateContractKeys } from './contract-keys.js';
import { SwitchyardEncryption } from './encryption.js';
import { readPrincipalQuietly } from './quiet-deprecations.js';
import { invalidProp, validateRange } from './validation.js';

export interface EventHubProps {
  /**
   * Name of the custom event bus.
   * @default - a name CloudFormation generates
   */
  readonly eventBusName?: string;
  /**
   * Other AWS accounts (12-digit ids) allowed to PutEvents onto the bus.
   * @default - only this stack's account
   */
  readonly allowedAccounts?: readonly string[];
  /**
   * How long the archive keeps every event for replay (1 to 3650 days).
   * @default Duration.days(30)
   */
  readonly archiveRetention?: Duration;
  /**
   * Event contracts whose schemas are published to the hub's schema registry.
   * @default - none; the registry is created empty
   */
  readonly contracts?: readonly AnyEventContract[];
}

/**
 * The app's event bus: a custom bus that only this account (and the accounts named)
 * may publish to, an archive of everything that crosses it (for replay), and a schema
 * registry holding every contract's schema.
 */
export class EventHub extends Construct {
  /** The custom bus producers publish to. */
  public readonly eventBus: events.IEventBus;
  /** Keeps every event on the bus for `archiveRetention`, for StartReplay. */
  public readonly archive: events.Archive;
  /** Holds one schema per contract. */
  public readonly registry: schemas.CfnRegistry;
  readonly #contracts: readonly AnyEventContract[] | undefined;

  constructor(scope: Construct, id: string, props: EventHubProps = {}) {
    super(scope, id);
    const retention = props.archiveRetention ?? Duration.days(30);
    validateRange(this, 'archiveRetention', retention.toDays(), 1, 3650, 'days');
    for (const account of props.allowedAccounts ?? []) {
      if (!Token.isUnresolved(account) && !/^\d{12}$/.test(account)) {
        invalidProp(this, `allowedAccounts must hold 12-digit AWS account ids (got ${JSON.stringify(account)})`);
      }
    }

    const kmsKey = SwitchyardEncryption.keyOf(this);
    const bus = new events.EventBus(this, 'Bus', { eventBusName: props.eventBusName, kmsKey });
    const accounts = [Stack.of(this).account, ...(props.allowedAccounts ?? [])];
    const { policyDependable } = bus.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowPutEventsFromTrustedAccounts',
        principals: accounts.map((account) => new iam.AccountPrincipal(account)),
        actions: ['events:PutEvents'],
        resources: [bus.eventBusArn],
      }),
    );
    const policy = policyDependable instanceof Construct ? policyDependable.node.defaultChild : undefined;
    if (policy instanceof events.CfnEventBusPolicy) readPrincipalQuietly(policy);
    this.eventBus = bus;

    this.archive = bus.archive('Archive', {
      description: 'Every event on the Switchyard hub, for replay',
      eventPattern: { account: [Stack.of(this).account, ...(props.allowedAccounts ?? [])] },
      retention,
    });
    if (kmsKey !== undefined) this.#encryptArchive(bus, kmsKey);

    validateContractKeys(this, 'contracts', props.contracts);
    this.#contracts = props.contracts;
    this.registry = new schemas.CfnRegistry(this, 'Registry', {
      description: 'Schemas of the Switchyard event contracts',
    });
    for (const contract of props.contracts ?? []) {
      new schemas.CfnSchema(this, `Schema${contract.detailType}`, {
        registryName: this.registry.attrRegistryName,
        type: 'JSONSchemaDraft4',
        content: JSON.stringify(registrySchema(contract)),
        description: contract.description,
        schemaName: `${contract.source}@${contract.detailType}`,
      });
    }
  }

  /**
   * Gives `fn` the hub to publish `contracts` on: the bus's name in `ENV.eventBusName`, where
   * the kit's `EventPublisher` is told it, the PutEvents grant, and the contracts declared in
   * `ENV.emittedEvents` for the tools that read the template (`switchyard cost` follows a
   * function's declared events from each record it handles, instead of counting them as
   * events that enter the app). Each call adds to what the function declares.
   */
  connectPublisher(fn: lambda.Function, contracts: readonly AnyEventContract[]): iam.Grant {
    if (contracts.length === 0) invalidProp(this, `connectPublisher(${fn.node.id}) needs the contracts it publishes (got none)`);
    const published = this.#contracts;
    for (const contract of contracts) {
      if (published !== undefined && !published.some((c) => c.source === contract.source && c.detailType === contract.detailType)) {
        invalidProp(
          this,
          `connectPublisher(${fn.node.id}): ${contract.detailType} from ${contract.source} is not one of the hub's contracts (${published.map((c) => c.detailType).join(', ') || 'none'}); add it to the EventHub's contracts`,
        );
      }
    }
    const declared = emissionsOf(fn);
    for (const { source, detailType } of contracts) {
      if (!declared.some((e) => e.source === source && e.detailType === detailType)) declared.push({ source, detailType });
    }
    fn.addEnvironment(ENV.eventBusName, this.eventBus.eventBusName);
    return this.eventBus.grantPutEventsTo(fn);
  }

  /**
   * The archive's key, with the key-policy statements events.Archive would add itself: its
   * own statement names the bus by Fn::GetAtt, while the bus's kmsKeyIdentifier names the
   * key, a dependency cycle. Naming the bus's ARN from its name (as EventBus does) keeps the
   * same condition without one.
   */
  #encryptArchive(bus: events.EventBus, key: kms.IKey): void {
    (this.archive.node.defaultChild as events.CfnArchive).kmsKeyIdentifier = key.keyArn;
    const busName = (bus.node.defaultChild as events.CfnEventBus).name;
    const busArn = Stack.of(this).formatArn({ service: 'events', resource: 'event-bus', resourceName: busName });
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowEventBridgeToEncryptTheArchive',
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey', 'kms:ReEncrypt*'],
        resources: ['*'],
        conditions: { StringEquals: { 'kms:EncryptionContext:aws:events:event-bus:arn': busArn } },
      }),
    );
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowEventBridgeToDescribeTheKey',
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['kms:DescribeKey'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    );
  }
}

/** What each function was connected to publish (EventHub.connectPublisher), rendered into its environment at synthesis. */
const EMISSIONS = new WeakMap<lambda.Function, { source: string; detailType: string }[]>();

function emissionsOf(fn: lambda.Function): { source: string; detailType: string }[] {
  let declared = EMISSIONS.get(fn);
  if (declared === undefined) {
    const list: { source: string; detailType: string }[] = [];
    declared = list;
    EMISSIONS.set(fn, list);
    fn.addEnvironment(ENV.emittedEvents, Lazy.string({ produce: () => JSON.stringify(list) }));
  }
  return declared;
}
