import type { Json } from './resolve.js';
import { ALPHANUMERIC_DASH_UNDERSCORE, arn, CREATED, EVENTS_NAME, namedOnly, type ResourceTypes, text, unnamed } from './resource-spec.js';

/**
 * The types the template module declares: schemas and CDK's metadata, which only describe
 * the app (accepted, nothing to run), and CloudWatch alarms and dashboards and CDK's
 * cross-region reader, whose return values the loader gives while no service runs them
 * (the reader's values the loader itself resolves).
 */
export const TEMPLATE_RESOURCE_TYPES: ResourceTypes = {
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
  'AWS::CloudWatch::Alarm': namedOnly({
    name: { property: 'AlarmName', max: 255, invalid: /[^\x20-\x7e]/g },
    identify: (input, name) => ({ ref: name, attributes: { Arn: arn(input, 'cloudwatch', `alarm:${name}`) } }),
  }),
  'AWS::CloudWatch::Dashboard': namedOnly({
    // Ref is the dashboard's name; it has no attributes.
    name: { property: 'DashboardName', max: 255, invalid: ALPHANUMERIC_DASH_UNDERSCORE },
    identify: (_, name) => ({ ref: name, attributes: {} }),
  }),
  'Custom::CrossRegionExportReader': namedOnly({
    // CDK's cross-region references: the reader's attributes are the values it imports,
    // which its properties name as SSM dynamic references (resolved by the loader).
    name: { max: 255, invalid: ALPHANUMERIC_DASH_UNDERSCORE },
    identify: (input, name) => {
      const imports = (input.properties.ReaderProps as { imports?: Record<string, Json> } | undefined)?.imports ?? {};
      const attributes: Record<string, string> = {};
      for (const [key, value] of Object.entries(imports)) if (typeof value === 'string') attributes[key] = value;
      return { ref: name, attributes };
    },
  }),
};
