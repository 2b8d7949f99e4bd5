import { createHash } from 'node:crypto';
import type { Notification } from './message.js';

/** Where SNS points subscribers for the signing certificate and to unsubscribe. */
export interface EnvelopeContext {
  readonly region: string;
  /** The local endpoint, where Unsubscribe is answered. */
  readonly baseUrl: string;
  /** The topic's SignatureVersion attribute (1 = SHA1, 2 = SHA256). */
  readonly signatureVersion: string;
}

/** The text a protocol receives: with MessageStructure=json its own key, else `default`. */
export function messageFor(notification: Notification, protocol: string): string {
  if (!notification.perProtocol) return notification.message;
  return notification.perProtocol[protocol] ?? notification.perProtocol.default ?? notification.message;
}

/**
 * The JSON document SNS delivers to SQS (and HTTP) subscriptions without raw delivery
 * (https://docs.aws.amazon.com/sns/latest/dg/sns-message-and-json-formats.html), members in
 * SNS's order. The signature is a stand-in: it cannot be verified against AWS's certificate.
 * A FIFO topic's notifications are not signed: AWS sends them without SignatureVersion,
 * Signature and SigningCertURL (recorded on AWS).
 */
export function notificationEnvelope(notification: Notification, subscriptionArn: string, protocol: string, context: EnvelopeContext) {
  const message = messageFor(notification, protocol);
  const fifo = notification.sequenceNumber !== undefined;
  return {
    Type: 'Notification',
    MessageId: notification.messageId,
    ...(fifo ? { SequenceNumber: notification.sequenceNumber } : {}),
    TopicArn: notification.topicArn,
    ...(notification.subject === undefined ? {} : { Subject: notification.subject }),
    Message: message,
    Timestamp: notification.timestamp,
    ...(fifo
      ? {}
      : {
          SignatureVersion: context.signatureVersion,
          Signature: signature(notification, message, context.signatureVersion),
          SigningCertURL: signingCertUrl(context),
        }),
    UnsubscribeURL: unsubscribeUrl(subscriptionArn, context),
    ...(Object.keys(deliveredAttributes(notification)).length === 0 ? {} : { MessageAttributes: envelopeAttributes(notification) }),
  };
}

/**
 * The event Lambda receives from SNS (one record per invocation), as documented at
 * https://docs.aws.amazon.com/lambda/latest/dg/with-sns.html: `Subject` is null when the
 * message has none, and the URL members are spelled `SigningCertUrl` and `UnsubscribeUrl`.
 */
export function lambdaEvent(notification: Notification, subscriptionArn: string, context: EnvelopeContext) {
  const message = messageFor(notification, 'lambda');
  return {
    Records: [
      {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        EventSubscriptionArn: subscriptionArn,
        Sns: {
          Type: 'Notification',
          MessageId: notification.messageId,
          TopicArn: notification.topicArn,
          Subject: notification.subject ?? null,
          Message: message,
          Timestamp: notification.timestamp,
          SignatureVersion: context.signatureVersion,
          Signature: signature(notification, message, context.signatureVersion),
          SigningCertUrl: signingCertUrl(context),
          UnsubscribeUrl: unsubscribeUrl(subscriptionArn, context),
          MessageAttributes: envelopeAttributes(notification),
        },
      },
    ],
  };
}

/** Attributes in the envelope: `{Type, Value}`, binary values base64. */
function envelopeAttributes(notification: Notification): Record<string, { Type: string; Value: string }> {
  return Object.fromEntries(
    Object.entries(deliveredAttributes(notification)).map(([name, value]) => [
      name,
      { Type: value.DataType, Value: value.BinaryValue ?? value.StringValue ?? '' },
    ]),
  );
}

/** SQS message attributes for raw delivery: the same names, types and values. */
export function sqsAttributes(
  notification: Notification,
): Record<string, { DataType: string; StringValue?: string; BinaryValue?: Uint8Array }> {
  return Object.fromEntries(
    Object.entries(deliveredAttributes(notification)).map(([name, value]) => [
      name,
      value.BinaryValue !== undefined
        ? { DataType: value.DataType, BinaryValue: Buffer.from(value.BinaryValue, 'base64') }
        : { DataType: value.DataType, StringValue: value.StringValue ?? '' },
    ]),
  );
}

/** Attributes go out only with a plain message: SNS does not send them with MessageStructure=json. */
export function deliveredAttributes(notification: Notification): Notification['attributes'] {
  return notification.perProtocol ? {} : notification.attributes;
}

function signature(notification: Notification, message: string, version: string): string {
  return createHash(version === '2' ? 'sha256' : 'sha1')
    .update(`${notification.messageId}\n${notification.topicArn}\n${message}\n${notification.timestamp}`)
    .digest('base64');
}

function signingCertUrl(context: EnvelopeContext): string {
  return `https://sns.${context.region}.amazonaws.com/SimpleNotificationService-local.pem`;
}

/** The subscription ARN goes in as it is, not percent-encoded, as AWS writes it (recorded on AWS). */
export function unsubscribeUrl(subscriptionArn: string, context: EnvelopeContext): string {
  return `${context.baseUrl.replace(/\/+$/, '')}/?Action=Unsubscribe&SubscriptionArn=${subscriptionArn}`;
}
