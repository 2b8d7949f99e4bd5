import { KNOWN_RESOURCE_TYPES, TEMPLATE_TYPES } from '../../../local/service-registry/modules.js';
import type { StackArtifact, Template } from '../../../local/template/cloud-assembly.js';
import { type LoadedStack, type LoadStackOptions, loadStack } from '../../../local/template/load.js';
import type { Json } from '../../../local/template/resolve.js';
import type { TemplateTypes } from '../../../local/template/resource-spec.js';

export const BASE_URL = 'http://localhost:4566';

/** The modules' resource types, with every type whose return values the loader gives taken as run. */
export const ALL_KNOWN_RUN: TemplateTypes = { specs: TEMPLATE_TYPES.specs, supported: new Set(KNOWN_RESOURCE_TYPES) };

/** A stack artifact for an inline template, as if read from a cloud assembly. */
export function artifact(template: Template, overrides: Partial<StackArtifact> = {}): StackArtifact {
  return {
    artifactId: 'Test',
    stackName: 'Test',
    assemblyDir: '/nonexistent',
    templateFile: '/nonexistent/Test.template.json',
    template,
    environment: {},
    assets: new Map(),
    nestedStacks: [],
    ...overrides,
  };
}

/** Loads an inline template; every type the loader knows counts as supported unless told otherwise. */
export function load(template: Template, options: Partial<LoadStackOptions> = {}): { stack: LoadedStack; warnings: string[] } {
  const warnings: string[] = [];
  const stack = loadStack(artifact(template), { baseUrl: BASE_URL, types: ALL_KNOWN_RUN, ...options }, warnings);
  return { stack, warnings };
}

/**
 * Resolves `value` as the `Value` property of a resource named Subject, next to the given
 * resources; returns what the property resolved to (undefined if it was left out).
 */
export function resolveValue(
  value: unknown,
  template: Omit<Template, 'Resources'> & { Resources?: Template['Resources'] } = {},
  options: Partial<LoadStackOptions> = {},
): { value: Json | undefined; warnings: string[]; stack: LoadedStack } {
  const { stack, warnings } = load(
    { ...template, Resources: { ...template.Resources, Subject: { Type: 'AWS::CDK::Metadata', Properties: { Value: value } } } },
    options,
  );
  return { value: resource(stack, 'Subject').properties.Value, warnings, stack };
}

export function resource(stack: LoadedStack, logicalId: string) {
  const found = stack.resources.find((r) => r.logicalId === logicalId);
  if (found === undefined) throw new Error(`no resource ${logicalId} in ${stack.stackName}`);
  return found;
}
