import type { TemplateResource } from './cloud-assembly.js';

/** The given parameter values that apply to one stack: unqualified ones, overridden by `<stack>:<name>` ones. */
export function parametersOf(stackName: string, given: Readonly<Record<string, string>>): Record<string, string> {
  const own = Object.entries(given).filter(([key]) => !key.includes(':'));
  const qualified = Object.entries(given).flatMap(([key, value]) =>
    key.startsWith(`${stackName}:`) ? [[key.slice(stackName.length + 1), value] as const] : [],
  );
  return Object.fromEntries([...own, ...qualified]);
}

/** SSM parameters a template declares with a literal name and value, for its own template parameters to read. */
export function literalSsmParameters(resources: Readonly<Record<string, TemplateResource>>): Map<string, string> {
  const declared = new Map<string, string>();
  for (const resource of Object.values(resources)) {
    const { Name: name, Value: value } = resource.Properties ?? {};
    if (resource.Type === 'AWS::SSM::Parameter' && typeof name === 'string' && typeof value === 'string') declared.set(name, value);
  }
  return declared;
}
