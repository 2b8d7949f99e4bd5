import type * as eventsv2 from 'aws-cdk-lib/aws-eventsv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Arn, ArnFormat, type Duration, Fn, Names, Stack, Token } from 'aws-cdk-lib/core';
import { Construct } from 'constructs';
import { ENV } from '../../contracts/wiring.js';
import { BusSubscriber, type BusSubscriberProps } from './bus-subscriber.js';
import { CUSTOM_EVENT_BUS_PUBLISH_ACTIONS, type ICustomEventBus } from './custom-event-bus-ref.js';
import { SwitchyardEncryption } from './encryption.js';
import { onFirstUse } from './on-first-use.js';
import { checkDescription } from './subscriber-options.js';
import { invalidProp, validateInteger, validateRange } from './validation.js';

// Loaded when an app first makes one (on-first-use.ts says why).
const eventsV2 = onFirstUse<typeof eventsv2>('aws-cdk-lib/aws-eventsv2');

/** A bus name, as the API takes it: 1 to 256 characters, the first a letter or digit, then letters, digits, `.`, `-`, `_`. */
const BUS_NAME = /^[A-Za-z0-9][.\-_A-Za-z0-9]{0,255}$/;
/** The resource part of a Custom Event Bus ARN: `event-busv2/<name>/<25-character id>`. */
const BUS_RESOURCE = /^event-busv2\/([A-Za-z0-9][.\-_A-Za-z0-9]{0,255})\/[a-z0-9]{25}$/;

/** The props of a CustomEventBus. */
export interface CustomEventBusProps {
  /**
   * The bus's name (1 to 256 characters: a letter or digit, then letters, digits, `.`, `-`, `_`).
   * @default - a name made from the construct's path, unique in the app
   */
  readonly eventBusName?: string;
  /**
   * What the bus is for (at most 512 characters, no control characters).
   * @default - none
   */
  readonly description?: string;
  /**
   * How long the bus keeps each event, for subscribers that start from a point in the past
   * (whole days, 1 to 365): a replay is a subscriber reading from a starting position inside
   * this window.
   * @default - the service's own: the template leaves StorageConfiguration out (AWS's guide names no figure)
   */
  readonly retention?: Duration;
}

/** `events:PutEvents` and `events:PutRawEvents` on one bus, to `grantee`'s policy. */
function grantPublishTo(grantee: iam.IGrantable, eventBusArn: string): iam.Grant {
  return iam.Grant.addToPrincipal({ grantee, actions: [...CUSTOM_EVENT_BUS_PUBLISH_ACTIONS], resourceArns: [eventBusArn] });
}

/** The bus's ARN where the kit's `customBusPublisherFromEnv` reads it, and the grant. */
function connectPublisherTo(fn: lambda.Function, eventBusArn: string): iam.Grant {
  fn.addEnvironment(ENV.customEventBusArn, eventBusArn);
  return grantPublishTo(fn, eventBusArn);
}

/**
 * EventBridge's Custom Event Bus (`AWS::EventsV2::EventBus`): events kept for `retention` and
 * read by subscribers (BusSubscriber) instead of rules and targets, each with its own filters,
 * ordering, batches, retries and dead-letter queue. Encrypted with the stack's
 * SwitchyardEncryption key if it has one (an AWS-owned key if not). Deduplication is not a
 * property of the bus: a publisher asks for it per request (docs/custom-event-bus.md).
 */
export class CustomEventBus extends Construct implements ICustomEventBus {
  /**
   * A bus this app does not create, by its ARN. Its subscribers are made in `scope`.
   * @throws PropValidationError if the ARN (when it is not a token) is not a Custom Event Bus's
   */
  static fromEventBusArn(scope: Construct, id: string, eventBusArn: string): ICustomEventBus {
    let eventBusName: string;
    if (Token.isUnresolved(eventBusArn)) {
      const { resourceName } = Arn.split(eventBusArn, ArnFormat.SLASH_RESOURCE_NAME);
      eventBusName = Fn.select(0, Fn.split('/', resourceName as string));
    } else {
      const resource = Arn.split(eventBusArn, ArnFormat.NO_RESOURCE_NAME).resource;
      const name = BUS_RESOURCE.exec(resource)?.[1];
      if (name === undefined) {
        invalidProp(
          { scope, id },
          `eventBusArn must be a Custom Event Bus's ARN, arn:<partition>:events:<region>:<account>:event-busv2/<name>/<25-character id> (got ${eventBusArn})`,
        );
      }
      eventBusName = name;
    }
    class Imported extends Construct implements ICustomEventBus {
      readonly eventBusArn = eventBusArn;
      readonly eventBusName = eventBusName;
      grantPublish(grantee: iam.IGrantable): iam.Grant {
        return grantPublishTo(grantee, this.eventBusArn);
      }
      connectPublisher(fn: lambda.Function): iam.Grant {
        return connectPublisherTo(fn, this.eventBusArn);
      }
    }
    return new Imported(scope, id);
  }

  /** The bus's ARN (its `EventBusArn` attribute). */
  public readonly eventBusArn: string;
  /** The bus's name, given or generated. */
  public readonly eventBusName: string;
  /** The L1 resource, for what this construct does not set. */
  public readonly resource: eventsv2.CfnEventBus;

  constructor(scope: Construct, id: string, props: CustomEventBusProps = {}) {
    super(scope, id);
    const name = props.eventBusName ?? Names.uniqueResourceName(this, { maxLength: 256, separator: '-' });
    if (!Token.isUnresolved(name) && !BUS_NAME.test(name)) {
      invalidProp(
        this,
        `eventBusName must be 1 to 256 characters, a letter or digit then letters, digits, '.', '-' or '_' (got ${JSON.stringify(name)})`,
      );
    }
    const days = props.retention?.toDays({ integral: false });
    validateRange(this, 'retention', days, 1, 365, 'days');
    validateInteger(this, 'retention (in days)', days);
    checkDescription(this, props.description);

    const key = SwitchyardEncryption.keyOf(this);
    this.resource = new (eventsV2().CfnEventBus)(this, 'Resource', {
      name,
      description: props.description,
      storageConfiguration: days === undefined ? undefined : { retentionPeriodInDays: days },
      encryptionConfiguration: key === undefined ? undefined : { kmsKeyIdentifier: key.keyArn },
    });
    if (key !== undefined) {
      // SwitchyardEncryption's key policy already lets EventBridge (this account's) Decrypt and
      // GenerateDataKey; a bus's key must also be described. The statement is EventHub's, word
      // for word, so a stack with both renders it once.
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
    this.eventBusArn = this.resource.attrEventBusArn;
    this.eventBusName = name;
  }

  /** Lets `grantee` publish to the bus: `events:PutEvents` and `events:PutRawEvents` on its ARN. */
  grantPublish(grantee: iam.IGrantable): iam.Grant {
    return grantPublishTo(grantee, this.eventBusArn);
  }

  /** The bus's ARN in `fn`'s `CUSTOM_EVENT_BUS_ARN` (the kit's `customBusPublisherFromEnv` reads it), and `grantPublish`. */
  connectPublisher(fn: lambda.Function): iam.Grant {
    return connectPublisherTo(fn, this.eventBusArn);
  }

  /** A subscriber of this bus, in this bus's scope (for an imported bus, create a BusSubscriber with it as `eventBus`). */
  addSubscriber(id: string, props: Omit<BusSubscriberProps, 'eventBus'>): BusSubscriber {
    return new BusSubscriber(this, id, { ...props, eventBus: this });
  }
}
