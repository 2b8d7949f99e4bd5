import type { LoadedApp } from '../template/load.js';
import { stableUuid } from '../template/resolve.js';
import { tagMap } from '../template/tags.js';
import { EMAIL_PROTOCOLS } from './email-subscriptions.js';

/** A topic as the template declares it; attributes in the API's string form (CreateTopic's `Attributes`). */
export interface TopicDefinition {
  readonly name: string;
  readonly arn: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly tags: Readonly<Record<string, string>>;
}

/** A subscription as the template declares it (an AWS::SNS::Subscription or a topic's inline `Subscription`). */
export interface SubscriptionDefinition {
  readonly arn: string;
  readonly topicArn: string;
  readonly protocol: string;
  readonly endpoint: string;
  /** Subscribe's `Attributes`: FilterPolicy, FilterPolicyScope, RawMessageDelivery, RedrivePolicy, DeliveryPolicy, ... */
  readonly attributes: Readonly<Record<string, string>>;
}

export interface SnsDefinitions {
  readonly topics: readonly TopicDefinition[];
  readonly subscriptions: readonly SubscriptionDefinition[];
  readonly warnings: readonly string[];
}

/**
 * Protocols the local runtime delivers to (email ones to the local mailbox, once confirmed);
 * subscriptions of any other protocol load but receive nothing. SNS's protocols are its own
 * list, not the dispatcher's services: https://docs.aws.amazon.com/sns/latest/api/API_Subscribe.html
 */
export const LOCALLY_DELIVERED_PROTOCOLS = new Set(['sqs', 'lambda', 'firehose', ...EMAIL_PROTOCOLS]);

/** Topic properties that are topic attributes of the same name. */
const TOPIC_ATTRIBUTE_PROPERTIES = [
  'DisplayName',
  'KmsMasterKeyId',
  'SignatureVersion',
  'TracingConfig',
  'FifoThroughputScope',
  'ContentBasedDeduplication',
  'FifoTopic',
  'ArchivePolicy',
  'DeliveryPolicy',
];

const SUBSCRIPTION_ATTRIBUTE_PROPERTIES = [
  'FilterPolicy',
  'FilterPolicyScope',
  'RawMessageDelivery',
  'RedrivePolicy',
  'DeliveryPolicy',
  'SubscriptionRoleArn',
  'ReplayPolicy',
];

type Props = Record<string, unknown>;

/** Reads the template's topics and subscriptions for the SNS service. */
export function snsDefinitions(app: LoadedApp): SnsDefinitions {
  const warnings: string[] = [];
  const topics: TopicDefinition[] = [];
  const subscriptions: SubscriptionDefinition[] = [];
  for (const stack of app.stacks) {
    for (const r of stack.resources) {
      const p = r.properties as Props;
      const where = `${stack.stackName}/${r.logicalId} (${r.type})`;
      if (r.type === 'AWS::SNS::Topic') {
        const arn = r.ref;
        const attributes: Record<string, string> = {};
        for (const name of TOPIC_ATTRIBUTE_PROPERTIES) if (p[name] !== undefined) attributes[name] = attributeText(p[name]);
        if (p.DataProtectionPolicy !== undefined) {
          warnings.push(`${where}: DataProtectionPolicy is not applied locally; messages are not audited or masked`);
        }
        topics.push({ name: r.physicalName, arn, attributes, tags: tagMap(p.Tags) });
        for (const inline of (p.Subscription as { Endpoint?: string; Protocol?: string }[] | undefined) ?? []) {
          if (typeof inline.Endpoint !== 'string' || typeof inline.Protocol !== 'string') {
            warnings.push(`${where} Subscription: ${unresolved(inline)} did not resolve; the subscription is left out`);
            continue;
          }
          const protocol = inline.Protocol;
          const endpoint = inline.Endpoint;
          // CloudFormation gives inline subscriptions no id of their own; the ARN is derived from what they are.
          subscriptions.push({
            arn: `${arn}:${stableUuid(`${arn}|${protocol}|${endpoint}`)}`,
            topicArn: arn,
            protocol,
            endpoint,
            attributes: {},
          });
          warnAboutProtocol(warnings, `${where} Subscription`, protocol, endpoint);
        }
      } else if (r.type === 'AWS::SNS::Subscription') {
        if (typeof p.TopicArn !== 'string' || typeof p.Endpoint !== 'string' || typeof p.Protocol !== 'string') {
          // A subscription to no endpoint (a parameter with no value) would be an email to "" waiting for a confirmation that never comes.
          warnings.push(`${where}: ${unresolved(p, ['TopicArn', 'Protocol', 'Endpoint'])} did not resolve; the subscription is left out`);
          continue;
        }
        const { Protocol: protocol, Endpoint: endpoint, TopicArn: topicArn } = p;
        const attributes: Record<string, string> = {};
        for (const name of SUBSCRIPTION_ATTRIBUTE_PROPERTIES) if (p[name] !== undefined) attributes[name] = attributeText(p[name]);
        subscriptions.push({ arn: r.ref, topicArn, protocol, endpoint, attributes });
        warnAboutProtocol(warnings, where, protocol, endpoint);
      }
    }
  }
  const topicArns = new Set(topics.map((t) => t.arn));
  const known = subscriptions.filter((s) => {
    if (topicArns.has(s.topicArn)) return true;
    warnings.push(`subscription ${s.arn}: topic ${s.topicArn} is not a topic of this app; the subscription is left out`);
    return false;
  });
  // Said where notifications are made: an app whose topics deliver to no queue or function sees neither.
  if (known.some((s) => LOCALLY_DELIVERED_PROTOCOLS.has(s.protocol))) warnings.push(SNS_DIFFERENCES);
  return { topics, subscriptions: known, warnings };
}

/**
 * What every local topic does otherwise than AWS, said once per app whose topics deliver:
 * signatures cannot be verified (no AWS key here), and no IAM user makes the calls.
 */
export const SNS_DIFFERENCES =
  "SNS: notification signatures are stand-ins that do not verify against AWS's certificate; a subscription's SubscriptionPrincipal is the account root (no IAM users locally)";

function warnAboutProtocol(warnings: string[], where: string, protocol: string, endpoint: string): void {
  if (LOCALLY_DELIVERED_PROTOCOLS.has(protocol)) return;
  warnings.push(`${where}: protocol ${protocol} (${endpoint}) is not delivered locally; the subscription loads but receives nothing`);
}

/** The properties a subscription needs that did not resolve (a parameter without a value, an attribute not known locally). */
function unresolved(p: Readonly<Record<string, unknown>>, names: readonly string[] = ['Protocol', 'Endpoint']): string {
  return names.filter((name) => typeof p[name] !== 'string').join(' and ');
}

/** CloudFormation takes JSON policies as objects and flags as booleans; the API takes strings. */
function attributeText(value: unknown): string {
  return typeof value === 'string' ? value : typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
}
