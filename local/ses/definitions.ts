import type { LoadedApp } from '../template/load.js';
import type { Json } from '../template/resolve.js';
import { SES_NOT_RUN } from './resource-types.js';
import { type EventType, eventTypeOfName } from './ses-events.js';

/** An identity the template declares (AWS::SES::EmailIdentity): verified, as a deployed app's identity is once its DNS records or link are done. */
export interface IdentityDefinition {
  readonly name: string;
  /** The configuration set mail from it uses when the request names none. */
  readonly configurationSet?: string;
}

export interface TemplateDefinition {
  readonly name: string;
  readonly subject?: string;
  readonly html?: string;
  readonly text?: string;
}

export interface ConfigurationSetDefinition {
  readonly name: string;
  readonly sendingEnabled: boolean;
}

/** Where an event destination publishes: an SNS topic, an event bus, or a destination the runtime keeps but does not publish to. */
export interface EventDestinationDefinition {
  readonly configurationSet: string;
  readonly name: string;
  readonly enabled: boolean;
  readonly eventTypes: readonly EventType[];
  readonly snsTopicArn?: string;
  readonly eventBusArn?: string;
  /** CloudWatch, Kinesis Firehose or Pinpoint: kept as given, never published to locally. */
  readonly unpublished?: string;
}

export interface SesDefinitions {
  readonly identities: readonly IdentityDefinition[];
  readonly templates: readonly TemplateDefinition[];
  readonly configurationSets: readonly ConfigurationSetDefinition[];
  readonly eventDestinations: readonly EventDestinationDefinition[];
  readonly warnings: readonly string[];
}

type Props = Record<string, Json>;

const record = (value: Json | undefined): Props =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Props) : {};
const string = (value: Json | undefined): string | undefined => (typeof value === 'string' ? value : undefined);

/** Reads the template's SES resources: what SES creates at start, and a line for each resource it accepts but does not run. */
export function sesDefinitions(app: LoadedApp): SesDefinitions {
  const identities: IdentityDefinition[] = [];
  const templates: TemplateDefinition[] = [];
  const configurationSets: ConfigurationSetDefinition[] = [];
  const eventDestinations: EventDestinationDefinition[] = [];
  const warnings: string[] = [];
  for (const stack of app.stacks) {
    for (const resource of stack.resources) {
      const p = resource.properties;
      const where = `${stack.stackName}/${resource.logicalId} (${resource.type})`;
      switch (resource.type) {
        case 'AWS::SES::EmailIdentity': {
          const configurationSet = string(record(p.ConfigurationSetAttributes).ConfigurationSetName);
          identities.push({ name: resource.physicalName, ...(configurationSet ? { configurationSet } : {}) });
          break;
        }
        case 'AWS::SES::Template': {
          const template = record(p.Template);
          templates.push({
            name: resource.physicalName,
            ...optional('subject', string(template.SubjectPart)),
            ...optional('html', string(template.HtmlPart)),
            ...optional('text', string(template.TextPart)),
          });
          break;
        }
        case 'AWS::SES::ConfigurationSet':
          configurationSets.push({
            name: resource.physicalName,
            sendingEnabled: record(p.SendingOptions).SendingEnabled !== false && record(p.SendingOptions).SendingEnabled !== 'false',
          });
          break;
        case 'AWS::SES::ConfigurationSetEventDestination': {
          const destination = eventDestination(resource.physicalName, p, where, warnings);
          if (destination) eventDestinations.push(destination);
          break;
        }
        default:
          if (Object.hasOwn(SES_NOT_RUN, resource.type)) warnings.push(`${where}: ${SES_NOT_RUN[resource.type]}`);
      }
    }
  }
  return { identities, templates, configurationSets, eventDestinations, warnings };
}

function optional<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
}

function eventDestination(name: string, p: Props, where: string, warnings: string[]): EventDestinationDefinition | undefined {
  const configurationSet = string(p.ConfigurationSetName);
  if (configurationSet === undefined) {
    warnings.push(`${where}: no ConfigurationSetName: the event destination is not created`);
    return undefined;
  }
  const destination = record(p.EventDestination);
  const eventTypes = (Array.isArray(destination.MatchingEventTypes) ? destination.MatchingEventTypes : []).flatMap((type) => {
    const known = typeof type === 'string' ? eventTypeOfName(type) : undefined;
    if (known === undefined) warnings.push(`${where}: MatchingEventTypes ${JSON.stringify(type)} is no SES event type; left out`);
    return known === undefined ? [] : [known];
  });
  const snsTopicArn = string(record(destination.SnsDestination).TopicARN);
  const eventBusArn = string(record(destination.EventBridgeDestination).EventBusArn);
  const unpublished = ['CloudWatchDestination', 'KinesisFirehoseDestination', 'PinpointDestination'].find(
    (key) => destination[key] !== undefined,
  );
  if (unpublished !== undefined) {
    warnings.push(`${where}: ${unpublished} is kept but not published to locally (only SNS and EventBridge destinations are)`);
  }
  return {
    configurationSet,
    name,
    enabled: destination.Enabled !== false && destination.Enabled !== 'false',
    eventTypes,
    ...(snsTopicArn ? { snsTopicArn } : {}),
    ...(eventBusArn ? { eventBusArn } : {}),
    ...(unpublished ? { unpublished } : {}),
  };
}
