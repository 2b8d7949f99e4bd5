import {
  ALPHANUMERIC_DASH_UNDERSCORE,
  generatedName,
  type IdentityInput,
  type ResourceIdentity,
  type TypeSpec,
  type TypeSpecs,
  text,
} from './resource-spec.js';

export { generatedName, type IdentityInput, type ResourceIdentity } from './resource-spec.js';

/**
 * Whether the loader can give a type's `Ref` and `Fn::GetAtt`: the types whose spec a module
 * declares (`ServiceModule.resourceTypes`, put together in `TemplateTypes`), and custom resources.
 */
export function isKnownResourceType(specs: TypeSpecs, type: string): boolean {
  return Object.hasOwn(specs, type) || isCustomResourceType(type);
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
export function identify(specs: TypeSpecs, type: string, input: IdentityInput): ResourceIdentity | undefined {
  const spec = Object.hasOwn(specs, type) ? specs[type] : isCustomResourceType(type) ? CUSTOM_RESOURCE : undefined;
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
