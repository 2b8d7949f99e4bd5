import { createHash } from 'node:crypto';
import { tryParseArn } from '../arn.js';
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
  /** How the service names the resource when the template gives no name, if not `<stack>-<logicalId>`. */
  readonly generate?: (input: IdentityInput) => string;
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

/** Versions and aliases take a function's name or ARN; their ARNs use the name. */
const lambdaFunctionName = (value: string | undefined): string =>
  value?.startsWith('arn:') ? (tryParseArn(value)?.resourceId ?? value) : (value ?? '');

/** Rules and bus policies take a bus name or ARN; their return values use the name. */
const busName = (value: string | undefined): string =>
  value?.startsWith('arn:') ? (tryParseArn(value)?.resourceId ?? value) : (value ?? 'default');

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
    generate: uuidOf,
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
  'AWS::Lambda::LayerVersion': {
    // Ref is the version's ARN; every template deploys a layer's first version.
    name: { property: 'LayerName', max: 140, invalid: ALPHANUMERIC_DASH_UNDERSCORE },
    identify: (input, name) => {
      const layerVersionArn = arn(input, 'lambda', `layer:${name}:1`);
      return { ref: layerVersionArn, attributes: { LayerVersionArn: layerVersionArn } };
    },
  },
  'AWS::Lambda::Version': {
    // Every template deploys a function's first version.
    name: { max: 64, invalid: ALPHANUMERIC_DASH_UNDERSCORE },
    identify: (input) => {
      const versionArn = arn(input, 'lambda', `function:${lambdaFunctionName(text(input.properties, 'FunctionName'))}:1`);
      return { ref: versionArn, attributes: { FunctionArn: versionArn, Version: '1' } };
    },
  },
  'AWS::Lambda::Alias': {
    name: { property: 'Name', max: 128, invalid: /[^A-Za-z0-9_-]/g },
    identify: (input, name) => {
      const aliasArn = arn(input, 'lambda', `function:${lambdaFunctionName(text(input.properties, 'FunctionName'))}:${name}`);
      return { ref: aliasArn, attributes: { AliasArn: aliasArn } };
    },
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
  'AWS::Scheduler::ScheduleGroup': {
    name: { property: 'Name', max: 64, invalid: EVENTS_NAME },
    identify: (input, name) => ({ ref: name, attributes: { Arn: arn(input, 'scheduler', `schedule-group/${name}`) } }),
  },
  'AWS::KMS::Key': {
    // A key has no name; its id is a UUID, derived here so a restart finds the same key.
    name: { max: 36, invalid: /[^0-9a-f-]/g },
    generate: uuidOf,
    identify: (input, keyId) => ({ ref: keyId, attributes: { Arn: arn(input, 'kms', `key/${keyId}`), KeyId: keyId } }),
  },
  'AWS::KMS::Alias': {
    name: { property: 'AliasName', max: 256, invalid: /[^A-Za-z0-9/_-]/g },
    identify: (_, name) => ({ ref: name, attributes: {} }),
  },
  'AWS::SSM::Parameter': {
    name: { property: 'Name', max: 1011, invalid: /[^A-Za-z0-9_./-]/g },
    identify: (input, name) => ({
      ref: name,
      attributes: { Type: text(input.properties, 'Type') ?? 'String', Value: ssmValue(input.properties.Value) },
    }),
  },
  'AWS::Logs::LogStream': {
    name: { property: 'LogStreamName', max: 512, invalid: /[:*]/g },
    identify: (_, name) => ({ ref: name, attributes: {} }),
  },
  'AWS::Logs::MetricFilter': {
    name: { property: 'FilterName', max: 512, invalid: /[:*]/g },
    identify: (_, name) => ({ ref: name, attributes: {} }),
  },
  'AWS::Logs::SubscriptionFilter': {
    name: { property: 'FilterName', max: 512, invalid: /[:*]/g },
    identify: (_, name) => ({ ref: name, attributes: {} }),
  },
  'AWS::Lambda::Url': {
    name: { max: 32, invalid: /[^a-z0-9]/g },
    identify: (input) => {
      const functionArn = functionArnOf(input, text(input.properties, 'TargetFunctionArn'));
      const urlId = base32(`${input.stackName}/${input.logicalId}`).toLowerCase().slice(0, 32);
      return {
        ref: functionArn,
        attributes: { FunctionArn: functionArn, FunctionUrl: `https://${urlId}.lambda-url.${input.region}.on.aws/` },
      };
    },
  },
  'AWS::IAM::ManagedPolicy': {
    name: { property: 'ManagedPolicyName', max: 128, invalid: /[^\w+=,.@-]/g },
    identify: (input, name) => {
      const policyArn = arn(input, 'iam', `policy${text(input.properties, 'Path') ?? '/'}${name}`, '');
      return {
        ref: policyArn,
        attributes: {
          PolicyArn: policyArn,
          PolicyId: `ANPA${base32(`${input.stackName}/${input.logicalId}`).slice(0, 17)}`,
          DefaultVersionId: 'v1',
          AttachmentCount: '0',
          IsAttachable: 'true',
          CreateDate: CREATED,
          UpdateDate: CREATED,
        },
      };
    },
  },
  'AWS::IAM::InstanceProfile': {
    name: { property: 'InstanceProfileName', max: 128, invalid: /[^\w+=,.@-]/g },
    identify: (input, name) => ({
      ref: name,
      attributes: { Arn: arn(input, 'iam', `instance-profile${text(input.properties, 'Path') ?? '/'}${name}`, '') },
    }),
  },
  'AWS::SQS::QueueInlinePolicy': {
    name: { max: 255, invalid: ALPHANUMERIC_DASH_UNDERSCORE },
    identify: (_, name) => ({ ref: name, attributes: {} }),
  },
  'AWS::S3::Bucket': {
    // Bucket names are lower case; CloudFormation derives unnamed ones from the stack and logical id too.
    name: { property: 'BucketName', max: 63, invalid: /[^a-z0-9.-]/g },
    generate: (input) => generatedName(input.stackName.toLowerCase(), input.logicalId.toLowerCase(), 63, /[^a-z0-9.-]/g),
    identify: (input, name) => ({
      ref: name,
      attributes: {
        Arn: `arn:${input.partition}:s3:::${name}`,
        DomainName: `${name}.s3.amazonaws.com`,
        DualStackDomainName: `${name}.s3.dualstack.${input.region}.amazonaws.com`,
        RegionalDomainName: `${name}.s3.${input.region}.amazonaws.com`,
        WebsiteURL: `http://${name}.s3-website-${input.region}.amazonaws.com`,
      },
    }),
  },
  'AWS::S3::BucketPolicy': {
    name: { max: 255, invalid: ALPHANUMERIC_DASH_UNDERSCORE },
    identify: (_, name) => ({ ref: name, attributes: {} }),
  },
  'AWS::CloudWatch::Alarm': {
    name: { property: 'AlarmName', max: 255, invalid: /[^\x20-\x7e]/g },
    identify: (input, name) => ({ ref: name, attributes: { Arn: arn(input, 'cloudwatch', `alarm:${name}`) } }),
  },
  'AWS::CloudWatch::Dashboard': {
    // Ref is the dashboard's name; it has no attributes.
    name: { property: 'DashboardName', max: 255, invalid: ALPHANUMERIC_DASH_UNDERSCORE },
    identify: (_, name) => ({ ref: name, attributes: {} }),
  },
  'AWS::Logs::QueryDefinition': {
    // Ref and QueryDefinitionId are the id CloudWatch Logs gives the saved query (here stable, from the logical id).
    name: { max: 255, invalid: ALPHANUMERIC_DASH_UNDERSCORE },
    identify: (input) => {
      const id = base32(`${input.stackName}/${input.logicalId}/query`).slice(0, 32).toLowerCase();
      return { ref: id, attributes: { QueryDefinitionId: id } };
    },
  },
  'Custom::CrossRegionExportReader': {
    // CDK's cross-region references: the reader's attributes are the values it imports,
    // which its properties name as SSM dynamic references (resolved by the loader).
    name: { max: 255, invalid: ALPHANUMERIC_DASH_UNDERSCORE },
    identify: (input, name) => {
      const imports = (input.properties.ReaderProps as { imports?: Record<string, Json> } | undefined)?.imports ?? {};
      const attributes: Record<string, string> = {};
      for (const [key, value] of Object.entries(imports)) if (typeof value === 'string') attributes[key] = value;
      return { ref: name, attributes };
    },
  },
  'AWS::SecretsManager::Secret': {
    // Ref and Id are the ARN: the name and six characters Secrets Manager picks (here from the logical id, so stable).
    name: { property: 'Name', max: 512, invalid: /[^A-Za-z0-9/_+=.@-]/g },
    identify: (input, name) => {
      const suffix = base32(`${input.stackName}/${input.logicalId}/secret`).slice(0, 6).toLowerCase();
      const secretArn = arn(input, 'secretsmanager', `secret:${name}-${suffix}`);
      return { ref: secretArn, attributes: { Id: secretArn } };
    },
  },
  ...apiGatewayTypes(),
};

function uuidOf(input: IdentityInput): string {
  return stableUuid(`${input.stackName}/${input.logicalId}`);
}

/** A function's ARN from a `FunctionName` property, which takes a name, a partial or a full ARN. */
function functionArnOf(input: IdentityInput, functionName: string | undefined): string {
  if (functionName?.startsWith('arn:')) return functionName.replace(/:(\$LATEST|[0-9]+)$/, '');
  return arn(input, 'lambda', `function:${functionName ?? ''}`);
}

/** A StringList parameter's value may be written as a list in a template; SSM stores it comma-separated. */
function ssmValue(value: Json | undefined): string {
  if (Array.isArray(value)) return value.join(',');
  return typeof value === 'string' ? value : value === undefined ? '' : JSON.stringify(value);
}

/** API Gateway ids are 10 lower-case letters and digits. */
function apiId(input: IdentityInput): string {
  return base32(`${input.stackName}/${input.logicalId}`)
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '0')
    .slice(0, 10);
}

/** REST and HTTP APIs and the resources that make them up: ids as API Gateway forms them, so references resolve. */
function apiGatewayTypes(): Record<string, TypeSpec> {
  const id = { max: 10, invalid: /[^a-z0-9]/g };
  const withId = (attribute?: string): TypeSpec => ({
    name: id,
    generate: apiId,
    identify: (_, value) => ({ ref: value, attributes: attribute === undefined ? {} : { [attribute]: value } }),
  });
  const stage: TypeSpec = {
    name: { property: 'StageName', max: 128, invalid: ALPHANUMERIC_DASH_UNDERSCORE },
    identify: (_, name) => ({ ref: name, attributes: {} }),
  };
  return {
    'AWS::ApiGateway::RestApi': {
      name: id,
      generate: apiId,
      identify: (input, restApiId) => {
        return {
          ref: restApiId,
          attributes: { RestApiId: restApiId, RootResourceId: base32(`${input.stackName}/${input.logicalId}/`).toLowerCase().slice(0, 10) },
        };
      },
    },
    'AWS::ApiGateway::Resource': withId('ResourceId'),
    'AWS::ApiGateway::Method': withId(),
    'AWS::ApiGateway::Deployment': withId('DeploymentId'),
    'AWS::ApiGateway::Stage': stage,
    'AWS::ApiGateway::Account': withId(),
    'AWS::ApiGateway::Authorizer': withId('AuthorizerId'),
    'AWS::ApiGateway::Model': {
      name: { property: 'Name', max: 128, invalid: /[^A-Za-z0-9]/g },
      identify: (_, name) => ({ ref: name, attributes: {} }),
    },
    'AWS::ApiGateway::RequestValidator': withId('RequestValidatorId'),
    'AWS::ApiGateway::ApiKey': withId('APIKeyId'),
    'AWS::ApiGateway::UsagePlan': withId('Id'),
    'AWS::ApiGateway::UsagePlanKey': withId('Id'),
    'AWS::ApiGateway::GatewayResponse': withId('Id'),
    'AWS::ApiGateway::BasePathMapping': withId(),
    'AWS::ApiGateway::DomainName': {
      name: { property: 'DomainName', max: 253, invalid: /[^a-z0-9.-]/g },
      identify: (input, name) => ({
        ref: name,
        attributes: {
          DistributionDomainName: `${apiId(input)}.cloudfront.net`,
          RegionalDomainName: `d-${apiId(input)}.execute-api.${input.region}.amazonaws.com`,
        },
      }),
    },
    'AWS::ApiGatewayV2::Api': {
      name: id,
      generate: apiId,
      identify: (input, value) => {
        const websocket = text(input.properties, 'ProtocolType') === 'WEBSOCKET';
        return {
          ref: value,
          attributes: { ApiId: value, ApiEndpoint: `${websocket ? 'wss' : 'https'}://${value}.execute-api.${input.region}.amazonaws.com` },
        };
      },
    },
    'AWS::ApiGatewayV2::Stage': stage,
    'AWS::ApiGatewayV2::Integration': withId('IntegrationId'),
    'AWS::ApiGatewayV2::Route': withId('RouteId'),
    'AWS::ApiGatewayV2::Authorizer': withId('AuthorizerId'),
    'AWS::ApiGatewayV2::Deployment': withId('DeploymentId'),
    'AWS::ApiGatewayV2::VpcLink': withId('VpcLinkId'),
    'AWS::ApiGatewayV2::ApiMapping': withId('ApiMappingId'),
  };
}

/** The resource types whose `Ref` and `Fn::GetAtt` values the loader can give. */
export const KNOWN_RESOURCE_TYPES: readonly string[] = Object.keys(TYPES);

export function isKnownResourceType(type: string): boolean {
  return Object.hasOwn(TYPES, type) || isCustomResourceType(type);
}

/** A CloudFormation custom resource: its provider (a Lambda function or SNS topic, the `ServiceToken`) creates it at deploy time. */
export function isCustomResourceType(type: string): boolean {
  return type.startsWith('Custom::') || type === 'AWS::CloudFormation::CustomResource';
}

/**
 * A custom resource's physical id and attributes come from its provider, which does not run
 * locally: Ref gets a stable id, and only the attributes CDK's own providers are known to
 * return from their properties resolve.
 */
const CUSTOM_RESOURCE: TypeSpec = {
  name: { max: 255, invalid: ALPHANUMERIC_DASH_UNDERSCORE },
  identify: (input, name) => {
    const bucket = text(input.properties, 'DestinationBucketName');
    const attributes: Record<string, string> = {};
    if (bucket !== undefined) attributes.DestinationBucketArn = `arn:${input.partition}:s3:::${bucket}`;
    return { ref: name, attributes };
  },
};

/**
 * The physical name and return values of a resource, or undefined for a type the loader
 * does not know. Names are the template's explicit name if it has one, else derived from
 * the stack and logical id, so the data folder finds the same resources after a restart.
 */
export function identify(type: string, input: IdentityInput): ResourceIdentity | undefined {
  const spec = Object.hasOwn(TYPES, type) ? TYPES[type] : isCustomResourceType(type) ? CUSTOM_RESOURCE : undefined;
  if (spec === undefined) return undefined;
  const name = physicalName(type, spec.name, spec.generate, input);
  return { physicalName: name, ...spec.identify(input, name) };
}

function physicalName(type: string, rule: NameRule, generate: TypeSpec['generate'], input: IdentityInput): string {
  const explicit = rule.property === undefined ? undefined : text(input.properties, rule.property);
  if (explicit !== undefined) return explicit;
  if (generate !== undefined) return generate(input);
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
