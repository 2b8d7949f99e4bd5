import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { IConstruct } from 'constructs';

/**
 * What publishing to a Custom Event Bus takes: both publish APIs, as IAM authorizes them
 * (`events:<Operation>` on the `event-busv2` resource: the Service Authorization Reference, and
 * local/eventbridgev2/iam-authorizations.ts, which checks the same).
 */
export const CUSTOM_EVENT_BUS_PUBLISH_ACTIONS = ['events:PutEvents', 'events:PutRawEvents'] as const;

/** A Custom Event Bus (EventBridge's `eventbridgev2` API), made here or imported by its ARN. */
export interface ICustomEventBus extends IConstruct {
  /** The bus's ARN: `arn:<partition>:events:<region>:<account>:event-busv2/<name>/<id>`. */
  readonly eventBusArn: string;
  /** The bus's name. */
  readonly eventBusName: string;
  /** Lets `grantee` publish to the bus: `events:PutEvents` and `events:PutRawEvents` on its ARN. */
  grantPublish(grantee: iam.IGrantable): iam.Grant;
  /**
   * Gives `fn` the bus to publish on with the kit's `customBusPublisherFromEnv`: the bus's ARN
   * in `ENV.customEventBusArn` (`CUSTOM_EVENT_BUS_ARN`) and `grantPublish`.
   */
  connectPublisher(fn: lambda.Function): iam.Grant;
}
