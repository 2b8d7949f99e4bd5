import { createHash } from 'node:crypto';
import { type Json, stableUuid } from './resolve.js';

/** What a resource needs to be named: where it lives and its resolved properties. */
export interface IdentityInput {
  readonly stackName: string;
  readonly logicalId: string;
  readonly accountId: string;
  readonly region: string;
  readonly partition: string;
  /** Where the local endpoint listens (`http://localhost:4566`): queue URLs point at it. */
  readonly baseUrl: string;
  readonly properties: Readonly<Record<string, Json>>;
}

/** The local stand-in for what CloudFormation returns once it has created a resource. */
export interface ResourceIdentity {
  readonly physicalName: string;
  /** What `Ref` returns. */
  readonly ref: string;
  /** What `Fn::GetAtt` returns, by attribute name. */
  readonly attributes: Readonly<Record<string, string>>;
}

/**
 * How a service names a resource when the template gives no name: the property that
 * carries an explicit name, and the longest name and the characters the service allows.
 */
interface NameRule {
  readonly property?: string;
  readonly max: number;
  /** Matches the characters the service refuses; each becomes `-`. */
  readonly invalid: RegExp;
}

interface TypeSpec {
  readonly name: NameRule;
  readonly identify: (input: IdentityInput, name: string) => Omit<ResourceIdentity, 'physicalName'>;
}

/** Timestamps CloudFormation would report for a creation: fixed, so restarts see the same values. */
const CREATED = '1970-01-01T00:00:00.000Z';

const arn = (input: IdentityInput, service: string, resource: string, region = input.region) =>
  `arn:${input.partition}:${service}:${region}:${input.accountId}:${resource}`;

const text = (properties: Readonly<Record<string, Json>>, key: string): string | undefined => {
  const value = properties[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
};

/** Rules and bus policies take a bus name or ARN; their return values use the name. */
const busName = (value: string | undefined): string =>
  value?.startsWith('arn:') ? value.slice(value.lastIndexOf('/') + 1) : (value ?? 'default');

const ALPHANUMERIC_DASH_UNDERSCORE = /[^A-Za-z0-9_-]/g;
const EVENTS_NAME = /[^A-Za-z0-9._-]/g;

/**
 * Return values by resource type, as the CloudFormation reference documents them
 * ("Return values" of each resource page; attribute names as in the resource schemas).
 */
const TYPES: Record<string, TypeSpec> = {
  'AWS::SQS::Queue': {
    name: { property: 'QueueName', max: 80, invalid: ALPHANUMERIC_DASH_UNDERSCORE },
    identify: (input, name) => {
      const url = `${input.baseUrl.replace(/\/+$/, '')}/${input.accountId}/${name}`;
      return { ref: url, attributes: { Arn: arn(input, 'sqs', name), QueueName: name, QueueUrl: url } };
    },
  },
  'AWS::SQS::QueuePolicy': {
    name: { max: 255, invalid: ALPHANUMERIC_DASH_UNDERSCORE },
    identify: (_, name) => ({ ref: name, attributes: { Id: name } }),
  },
  'AWS::Lambda::Function': {
    name: { property: 'FunctionName', max: 64, invalid: ALPHANUMERIC_DASH_UNDERSCORE },
    identify: (input, name) => ({ ref: name, attributes: { Arn: arn(input, 'lambda', `function:${name}`) } }),
  },
  'AWS::Lambda::EventSourceMapping': {
    name: { max: 36, invalid: /[^0-9a-f-]/g },
    identify: (input, uuid) => ({
      ref: uuid,
      attributes: { Id: uuid, EventSourceMappingArn: arn(input, 'lambda', `event-source-mapping:${uuid}`) },
    }),
  },
  'AWS::Lambda::Permission': {
    // The name is the policy statement id; Ref is `<FunctionName as given>|<statement id>`.
    name: { max: 100, invalid: ALPHANUMERIC_DASH_UNDERSCORE },
    identify: (input, statementId) => ({
      ref: `${text(input.properties, 'FunctionName') ?? ''}|${statementId}`,
      attributes: { Id: statementId },
    }),
  },
  'AWS::Events::EventBus': {
    name: { property: 'Name', max: 256, invalid: /[^A-Za-z0-9/._-]/g },
    identify: (input, name) => ({ ref: name, attributes: { Arn: arn(input, 'events', `event-bus/${name}`), Name: name } }),
  },
  'AWS::Events::EventBusPolicy': {
    name: { property: 'StatementId', max: 64, invalid: ALPHANUMERIC_DASH_UNDERSCORE },
    identify: (input, statementId) => ({ ref: `${busName(text(input.properties, 'EventBusName'))}|${statementId}`, attributes: {} }),
  },
  'AWS::Events::Rule': {
    name: { property: 'Name', max: 64, invalid: EVENTS_NAME },
    identify: (input, name) => {
      // On a custom bus CloudFormation returns `bus|rule` for Ref, and the ARN carries the bus.
      const bus = busName(text(input.properties, 'EventBusName'));
      const custom = bus !== 'default';
      return {
        ref: custom ? `${bus}|${name}` : name,
        attributes: { Arn: arn(input, 'events', custom ? `rule/${bus}/${name}` : `rule/${name}`), RuleName: name },
      };
    },
  },
  'AWS::Events::Archive': {
    name: { property: 'ArchiveName', max: 48, invalid: EVENTS_NAME },
    identify: (input, name) => ({ ref: name, attributes: { Arn: arn(input, 'events', `archive/${name}`) } }),
  },
  'AWS::DynamoDB::Table': {
    name: { property: 'TableName', max: 255, invalid: /[^A-Za-z0-9_.-]/g },
    identify: (input, name) => {
      const tableArn = arn(input, 'dynamodb', `table/${name}`);
      const streams = input.properties.StreamSpecification !== undefined;
      // A stream's label is its creation time; a fixed one keeps the ARN stable across restarts.
      return { ref: name, attributes: { Arn: tableArn, ...(streams ? { StreamArn: `${tableArn}/stream/${CREATED.slice(0, -1)}` } : {}) } };
    },
  },
  'AWS::StepFunctions::StateMachine': {
    name: { property: 'StateMachineName', max: 80, invalid: ALPHANUMERIC_DASH_UNDERSCORE },
    identify: (input, name) => {
      const stateMachineArn = arn(input, 'states', `stateMachine:${name}`);
      return { ref: stateMachineArn, attributes: { Arn: stateMachineArn, Name: name } };
    },
  },
  'AWS::IAM::Role': {
    name: { property: 'RoleName', max: 64, invalid: /[^\w+=,.@-]/g },
    identify: (input, name) => {
      const path = text(input.properties, 'Path') ?? '/';
      const roleId = `AROA${base32(`${input.stackName}/${input.logicalId}`).slice(0, 17)}`;
      return { ref: name, attributes: { Arn: arn(input, 'iam', `role${path}${name}`, ''), RoleId: roleId } };
    },
  },
  'AWS::IAM::Policy': {
    // PolicyName only names the inline policy inside each role; the resource id is CloudFormation's own.
    name: { max: 128, invalid: /[^\w+=,.@-]/g },
    identify: (_, name) => ({ ref: name, attributes: { Id: name } }),
  },
  'AWS::Logs::LogGroup': {
    name: { property: 'LogGroupName', max: 512, invalid: /[^A-Za-z0-9._/#-]/g },
    identify: (input, name) => ({ ref: name, attributes: { Arn: arn(input, 'logs', `log-group:${name}:*`) } }),
  },
  'AWS::EventSchemas::Registry': {
    name: { property: 'RegistryName', max: 64, invalid: EVENTS_NAME },
    identify: (input, name) => {
      const registryArn = arn(input, 'schemas', `registry/${name}`);
      return { ref: registryArn, attributes: { RegistryArn: registryArn, RegistryName: name } };
    },
  },
  'AWS::EventSchemas::Schema': {
    name: { property: 'SchemaName', max: 385, invalid: /[^A-Za-z0-9@._-]/g },
    identify: (input, name) => {
      const schemaArn = arn(input, 'schemas', `schema/${text(input.properties, 'RegistryName') ?? ''}/${name}`);
      return {
        ref: schemaArn,
        attributes: { SchemaArn: schemaArn, SchemaName: name, SchemaVersion: '1', LastModified: CREATED, VersionCreatedDate: CREATED },
      };
    },
  },
  'AWS::SNS::Topic': {
    name: { property: 'TopicName', max: 256, invalid: ALPHANUMERIC_DASH_UNDERSCORE },
    identify: (input, name) => {
      const topicArn = arn(input, 'sns', name);
      return { ref: topicArn, attributes: { TopicArn: topicArn, TopicName: name } };
    },
  },
  'AWS::SNS::Subscription': {
    // The subscription ARN is the topic's ARN and a UUID, derived here so a restart finds the same subscription.
    name: { max: 255, invalid: ALPHANUMERIC_DASH_UNDERSCORE },
    identify: (input) => {
      const subscriptionArn = `${text(input.properties, 'TopicArn') ?? arn(input, 'sns', 'unknown')}:${stableUuid(`${input.stackName}/${input.logicalId}`)}`;
      return { ref: subscriptionArn, attributes: { Arn: subscriptionArn } };
    },
  },
  'AWS::SNS::TopicPolicy': {
    name: { max: 255, invalid: ALPHANUMERIC_DASH_UNDERSCORE },
    identify: (_, name) => ({ ref: name, attributes: { Id: name } }),
  },
  'AWS::SNS::TopicInlinePolicy': {
    name: { max: 255, invalid: ALPHANUMERIC_DASH_UNDERSCORE },
    identify: (_, name) => ({ ref: name, attributes: {} }),
  },
  'AWS::CDK::Metadata': {
    name: { max: 255, invalid: ALPHANUMERIC_DASH_UNDERSCORE },
    identify: (_, name) => ({ ref: name, attributes: {} }),
  },
  'AWS::Pipes::Pipe': {
    name: { property: 'Name', max: 64, invalid: EVENTS_NAME },
    identify: (input, name) => ({
      ref: name,
      attributes: {
        Arn: arn(input, 'pipes', `pipe/${name}`),
        CurrentState: text(input.properties, 'DesiredState') ?? 'RUNNING',
        StateReason: '',
        CreationTime: CREATED,
        LastModifiedTime: CREATED,
      },
    }),
  },
  'AWS::Scheduler::Schedule': {
    name: { property: 'Name', max: 64, invalid: EVENTS_NAME },
    identify: (input, name) => ({
      ref: name,
      attributes: { Arn: arn(input, 'scheduler', `schedule/${text(input.properties, 'GroupName') ?? 'default'}/${name}`) },
    }),
  },
};

/** The resource types whose `Ref` and `Fn::GetAtt` values the loader can give. */
export const KNOWN_RESOURCE_TYPES: readonly string[] = Object.keys(TYPES);

export function isKnownResourceType(type: string): boolean {
  return Object.hasOwn(TYPES, type);
}

/**
 * The physical name and return values of a resource, or undefined for a type the loader
 * does not know. Names are the template's explicit name if it has one, else derived from
 * the stack and logical id, so the data folder finds the same resources after a restart.
 */
export function identify(type: string, input: IdentityInput): ResourceIdentity | undefined {
  const spec = TYPES[type];
  if (spec === undefined) return undefined;
  const name = physicalName(type, spec.name, input);
  return { physicalName: name, ...spec.identify(input, name) };
}

function physicalName(type: string, rule: NameRule, input: IdentityInput): string {
  const explicit = rule.property === undefined ? undefined : text(input.properties, rule.property);
  if (explicit !== undefined) return explicit;
  if (type === 'AWS::Lambda::EventSourceMapping') return stableUuid(`${input.stackName}/${input.logicalId}`);
  // FIFO queues and topics must be named `*.fifo`, within the same limit.
  const fifo =
    (type === 'AWS::SQS::Queue' && String(input.properties.FifoQueue) === 'true') ||
    (type === 'AWS::SNS::Topic' && String(input.properties.FifoTopic) === 'true');
  const suffix = fifo ? '.fifo' : '';
  return generatedName(input.stackName, input.logicalId, rule.max - suffix.length, rule.invalid) + suffix;
}

/**
 * `<stack>-<logicalId>` within the service's limits. CloudFormation adds a random suffix;
 * a name cut to fit ends in a hash of the whole instead, so two long ids never collide.
 */
export function generatedName(stackName: string, logicalId: string, max: number, invalid: RegExp): string {
  const name = `${stackName}-${logicalId}`.replace(invalid, '-');
  if (name.length <= max) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${name.slice(0, max - hash.length - 1)}-${hash}`;
}

/** Upper-case letters and digits, the alphabet of IAM unique ids. */
function base32(seed: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  return [...createHash('sha256').update(seed).digest()].map((byte) => alphabet.charAt(byte % 32)).join('');
}
