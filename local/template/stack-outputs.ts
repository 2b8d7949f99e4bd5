import type { Template, TemplateOutput } from './cloud-assembly.js';
import { NO_VALUE, type Resolver, type UnsupportedError } from './resolve.js';
import type { AssemblyExports } from './stack-exports.js';

/** What a stack's outputs resolve to, for its loader. */
export interface StackOutputsInput {
  readonly stackName: string;
  readonly template: Template;
  readonly resolver: Resolver;
  readonly exports: AssemblyExports;
  /** Runs a resolution, putting the stack in front of a template error's path. */
  readonly located: <T>(run: () => T) => T;
  readonly warn: (message: string) => void;
}

/**
 * The template's outputs resolved (those whose condition holds), their exports, and each
 * exported output's export name. An output left without a value is said, but for one waiting
 * for a custom resource's answer: the runtime loads the template again once it has answered.
 */
export function stackOutputs({ stackName, template, resolver, exports: shared, located, warn }: StackOutputsInput): {
  outputs: Record<string, string>;
  exports: Record<string, string>;
  exportNames: Record<string, string>;
  pending: string[];
} {
  const outputs: Record<string, string> = {};
  const exports: Record<string, string> = {};
  /** Output key -> its export's name. */
  const exportNames: Record<string, string> = {};
  /** Outputs waiting for a custom resource's answer: the runtime loads the template again once one comes. */
  const pending = new Set<string>();
  const report = (path: string, message: string, error: UnsupportedError) => {
    if (error.held?.pending !== true) warn(`${stackName} ${path}: ${message}`);
    else pending.add(path);
  };
  const exportNameOf = (name: string, output: TemplateOutput) =>
    located(() => resolver.resolveTolerant(output.Export?.Name, `Outputs.${name}.Export.Name`, report));
  for (const [name, output] of Object.entries(template.Outputs ?? {})) {
    const condition = output.Condition;
    if (condition !== undefined && !located(() => resolver.condition(condition))) continue;
    const value = located(() => resolver.resolveTolerant(output.Value, `Outputs.${name}`, report));
    if (value === NO_VALUE) {
      const exportName = output.Export === undefined ? undefined : exportNameOf(name, output);
      if (typeof exportName === 'string') shared.addUnresolved(exportName, stackName, name);
      continue;
    }
    outputs[name] = typeof value === 'string' ? value : Array.isArray(value) ? value.join(',') : JSON.stringify(value);
    if (output.Export === undefined) continue;
    const exportName = exportNameOf(name, output);
    if (typeof exportName === 'string') {
      exports[exportName] = outputs[name];
      exportNames[name] = exportName;
    }
  }
  return { outputs, exports, exportNames, pending: [...pending] };
}
