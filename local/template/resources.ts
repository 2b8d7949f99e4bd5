import { API_GATEWAY_TYPE_SPECS } from '../apigateway/resource-types.js';
import { DYNAMODB_TYPE_SPECS } from '../dynamodb/resource-types.js';
import { EC2_TYPE_SPECS } from '../ec2/resource-types.js';
import { EVENTS_TYPE_SPECS } from '../events/resource-types.js';
import { KMS_TYPE_SPECS } from '../kms/resource-types.js';
import { LAMBDA_TYPE_SPECS } from '../lambda/resource-types.js';
import { LOGS_TYPE_SPECS } from '../logs/resource-types.js';
import { PIPES_TYPE_SPECS } from '../pipes/resource-types.js';
import { S3_TYPE_SPECS } from '../s3/resource-types.js';
import { SCHEDULER_TYPE_SPECS } from '../scheduler/resource-types.js';
import { SECRETS_MANAGER_TYPE_SPECS } from '../secretsmanager/resource-types.js';
import { SES_TYPE_SPECS } from '../ses/resource-types.js';
import { SNS_TYPE_SPECS } from '../sns/resource-types.js';
import { SQS_TYPE_SPECS } from '../sqs/resource-types.js';
import { SSM_TYPE_SPECS } from '../ssm/resource-types.js';
import { STATES_TYPE_SPECS } from '../states/resource-types.js';
import type { Json } from './resolve.js';
import {
  ALPHANUMERIC_DASH_UNDERSCORE,
  arn,
  base32,
  CREATED,
  EVENTS_NAME,
  generatedName,
  type IdentityInput,
  type ResourceIdentity,
  type TypeSpec,
  type TypeSpecs,
  text,
  unnamed,
} from './resource-spec.js';

export { generatedName, type IdentityInput, type ResourceIdentity } from './resource-spec.js';

/**
 * The types the loader knows that no local service runs: IAM (evaluated by local/iam, run by none), schemas,
 * CDK's metadata, CloudWatch alarms and dashboards, and CDK's cross-region references.
 */
const TEMPLATE_TYPE_SPECS: TypeSpecs = {
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
  // An inline policy of one role (CloudFormation's newer form of AWS::IAM::Policy): no documented return value, a resource id here.
  'AWS::IAM::RolePolicy': {
    name: { max: 128, invalid: /[^\w+=,.@-]/g },
    identify: (_, name) => ({ ref: name, attributes: {} }),
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
  'AWS::CDK::Metadata': unnamed(),
  'AWS::CloudWatch::Alarm': {
    name: { property: 'AlarmName', max: 255, invalid: /[^\x20-\x7e]/g },
    identify: (input, name) => ({ ref: name, attributes: { Arn: arn(input, 'cloudwatch', `alarm:${name}`) } }),
  },
  'AWS::CloudWatch::Dashboard': {
    // Ref is the dashboard's name; it has no attributes.
    name: { property: 'DashboardName', max: 255, invalid: ALPHANUMERIC_DASH_UNDERSCORE },
    identify: (_, name) => ({ ref: name, attributes: {} }),
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
};

/** Every type's spec: each service's own (local/<service>/resource-types.ts) and the template's. */
const TYPES: TypeSpecs = assemble([
  SQS_TYPE_SPECS,
  LAMBDA_TYPE_SPECS,
  EVENTS_TYPE_SPECS,
  DYNAMODB_TYPE_SPECS,
  STATES_TYPE_SPECS,
  LOGS_TYPE_SPECS,
  SNS_TYPE_SPECS,
  PIPES_TYPE_SPECS,
  SCHEDULER_TYPE_SPECS,
  KMS_TYPE_SPECS,
  SSM_TYPE_SPECS,
  S3_TYPE_SPECS,
  SECRETS_MANAGER_TYPE_SPECS,
  SES_TYPE_SPECS,
  API_GATEWAY_TYPE_SPECS,
  EC2_TYPE_SPECS,
  TEMPLATE_TYPE_SPECS,
]);

/** Two services' tables name one resource type: one of their specs would go unused. */
class DuplicateResourceTypeError extends Error {
  override readonly name = 'DuplicateResourceTypeError';
}

/** The tables as one; a type two tables name would make one of them silently unused, so it is refused. */
function assemble(tables: readonly TypeSpecs[]): TypeSpecs {
  const all: Record<string, TypeSpec> = {};
  for (const table of tables) {
    for (const [type, spec] of Object.entries(table)) {
      if (Object.hasOwn(all, type)) throw new DuplicateResourceTypeError(`two resource type tables name ${type}`);
      all[type] = spec;
    }
  }
  return all;
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
  const name = physicalName(spec, input);
  return { physicalName: name, ...spec.identify(input, name) };
}

function physicalName(spec: TypeSpec, input: IdentityInput): string {
  const explicit = spec.name.property === undefined ? undefined : text(input.properties, spec.name.property);
  if (explicit !== undefined) return explicit;
  if (spec.generate !== undefined) return spec.generate(input);
  const suffix = spec.suffix?.(input) ?? '';
  return generatedName(input.stackName, input.logicalId, spec.name.max - suffix.length, spec.name.invalid) + suffix;
}
