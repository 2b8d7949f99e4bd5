import { arn, EVENTS_NAME, type IdentityInput, type TypeSpecs, text } from '../template/resource-spec.js';
import { templateOpaqueId } from './ids.js';

const opaqueId = (input: IdentityInput) => templateOpaqueId(input.stackName, input.logicalId);

/** An event source's type segment, from the variant its Configuration sets. */
const sourceType = (input: IdentityInput) =>
  typeof input.properties.Configuration === 'object' &&
  input.properties.Configuration !== null &&
  'PartnerEventsConfiguration' in input.properties.Configuration
    ? 'aws.partner'
    : 'aws.service';

/**
 * EventBridge's custom event bus resources (`aws-cdk-lib/aws-eventsv2`'s L1s). Each one's `Ref`
 * is its ARN, the primary identifier the CDK's references hold (`EventBusReference.eventBusArn`,
 * `SubscriberReference.subscriberArn`), with the opaque id derived from the resource's place
 * in the app so that a restart and every reference see the same ARN; `Fn::GetAtt` gives the
 * ARN under its member name and the lifecycle `State` the resource reaches (ACTIVE: the local
 * runtime provisions at once). A resource policy's `Ref` is its bus's ARN.
 */
export const EVENTBRIDGEV2_TYPE_SPECS: TypeSpecs = {
  'AWS::EventsV2::EventBus': {
    name: { property: 'Name', max: 256, invalid: EVENTS_NAME },
    identify: (input, name) => {
      const busArn = arn(input, 'events', `event-busv2/${name}/${opaqueId(input)}`);
      return { ref: busArn, attributes: { EventBusArn: busArn, Name: name, State: 'ACTIVE' } };
    },
  },
  'AWS::EventsV2::Subscriber': {
    name: { property: 'Name', max: 256, invalid: EVENTS_NAME },
    identify: (input, name) => {
      const subscriberArn = arn(input, 'events', `subscriber/${name}/${opaqueId(input)}`);
      return { ref: subscriberArn, attributes: { SubscriberArn: subscriberArn, Name: name } };
    },
  },
  'AWS::EventsV2::EventSource': {
    name: { property: 'Name', max: 256, invalid: EVENTS_NAME },
    identify: (input, name) => {
      const sourceArn = arn(input, 'events', `event-sourcev2/${sourceType(input)}/${name}/${opaqueId(input)}`);
      return { ref: sourceArn, attributes: { EventSourceArn: sourceArn, Name: name, State: 'ACTIVE' } };
    },
  },
  'AWS::EventsV2::ResourcePolicy': {
    name: { max: 256, invalid: EVENTS_NAME },
    identify: (input) => {
      const busArn = text(input.properties, 'ResourceArn') ?? '';
      return { ref: busArn, attributes: { ResourceArn: busArn, PolicyName: text(input.properties, 'PolicyName') ?? 'default' } };
    },
  },
};
