import type { StackArtifact } from './cloud-assembly.js';

/**
 * The stacks in an order CloudFormation could deploy them in: every stack after the stacks
 * it depends on. A stack depends on the stacks the manifest names in its `dependencies`
 * (CDK writes one for every cross-stack reference), on the stack that exports a name it
 * imports, and on the stack that declares an SSM parameter its template parameters read.
 * Stacks that depend on each other in a circle keep their assembly order.
 */
export function deploymentOrder(stacks: readonly StackArtifact[]): StackArtifact[] {
  const key = (stack: StackArtifact) => `${stack.assemblyDir}\0${stack.artifactId}`;
  const byKey = new Map(stacks.map((stack) => [key(stack), stack]));
  const exporters = new Map<string, StackArtifact>();
  const ssmDeclarers = new Map<string, StackArtifact>();
  for (const stack of stacks) {
    for (const output of Object.values(stack.template.Outputs ?? {})) {
      const name = output.Export?.Name;
      if (typeof name === 'string' && !exporters.has(name)) exporters.set(name, stack);
    }
    for (const resource of Object.values(stack.template.Resources ?? {})) {
      const name = resource.Type === 'AWS::SSM::Parameter' ? resource.Properties?.Name : undefined;
      if (typeof name === 'string' && !ssmDeclarers.has(name)) ssmDeclarers.set(name, stack);
    }
  }

  const dependencies = (stack: StackArtifact): StackArtifact[] => {
    const found = (stack.dependencies ?? []).flatMap((id) => byKey.get(`${stack.assemblyDir}\0${id}`) ?? []);
    for (const name of importedNames(stack.template.Resources, stack.template.Outputs)) {
      const exporter = exporters.get(name);
      if (exporter !== undefined) found.push(exporter);
    }
    for (const parameter of Object.values(stack.template.Parameters ?? {})) {
      const declarer = parameter.Type.startsWith('AWS::SSM::Parameter::Value<') ? ssmDeclarers.get(String(parameter.Default)) : undefined;
      if (declarer !== undefined) found.push(declarer);
    }
    return found.filter((dependency) => dependency !== stack);
  };

  const ordered: StackArtifact[] = [];
  const placed = new Set<StackArtifact>();
  const visiting = new Set<StackArtifact>();
  const place = (stack: StackArtifact) => {
    if (placed.has(stack) || visiting.has(stack)) return;
    visiting.add(stack);
    for (const dependency of dependencies(stack)) place(dependency);
    visiting.delete(stack);
    placed.add(stack);
    ordered.push(stack);
  };
  for (const stack of stacks) place(stack);
  return ordered;
}

/** The export names a template imports with a literal `Fn::ImportValue` (computed names are found when resolved). */
function importedNames(...parts: unknown[]): string[] {
  const names: string[] = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item);
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, item] of Object.entries(value)) {
        if (key === 'Fn::ImportValue' && typeof item === 'string') names.push(item);
        else visit(item);
      }
    }
  };
  for (const part of parts) visit(part);
  return names;
}
