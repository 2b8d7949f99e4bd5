import type { TemplateOutput } from './cloud-assembly.js';
import { NO_VALUE, type Resolver } from './resolve.js';
import type { AssemblyExports } from './stack-exports.js';

/** A custom resource's attribute as its provider answered it (its Data), or undefined before it ran. */
export type CustomResourceAttributes = (logicalId: string, attribute: string) => string | undefined;

/** An output that waits on custom resources' attributes (`LoadedStack.lateOutputs`). */
export interface LateOutput {
  readonly key: string;
  readonly description?: string;
  /** Its value with the providers' attributes, or undefined while one it names has none. */
  resolve(attributes: CustomResourceAttributes): string | undefined;
}

/** The custom resources' attributes a stack's resolver reads: none at load, the providers' Data while a late output is resolved again. */
export class LateAttributes {
  #attributes: CustomResourceAttributes | undefined;
  /** Whether a `Fn::GetAtt` to a custom resource's attribute was asked since the last clear. */
  missed = false;

  lookup(logicalId: string, attribute: string): string | undefined {
    this.missed = true;
    return this.#attributes?.(logicalId, attribute);
  }

  /** Runs `run` with `attributes` read. */
  with<T>(attributes: CustomResourceAttributes, run: () => T): T {
    this.#attributes = attributes;
    try {
      return run();
    } finally {
      this.#attributes = undefined;
    }
  }
}

/** What resolving a stack's outputs needs of its loader. */
export interface OutputsContext {
  readonly stackName: string;
  readonly outputs: Readonly<Record<string, TemplateOutput>>;
  readonly resolver: Resolver;
  readonly exports: AssemblyExports;
  warn(line: string): void;
  /** Runs `run` with the stack in front of a template error's path. */
  located<T>(run: () => T): T;
  /** What the resolver's `Fn::GetAtt` to custom resources' attributes reads. */
  readonly late: LateAttributes;
}

/**
 * The stack's outputs resolved, their exports, and the outputs that wait on custom resources'
 * attributes: their providers answer at start, after the template is resolved, so those are
 * resolved again when asked (DescribeStacks).
 */
export function resolveOutputs(c: OutputsContext): {
  outputs: Record<string, string>;
  exports: Record<string, string>;
  exportNames: Record<string, string>;
  lateOutputs: LateOutput[];
} {
  const outputs: Record<string, string> = {};
  const exports: Record<string, string> = {};
  /** Output key -> its export's name. */
  const exportNames: Record<string, string> = {};
  const lateOutputs: LateOutput[] = [];
  const report = (path: string, message: string) => c.warn(`${c.stackName} ${path}: ${message}`);
  const exportNameOf = (name: string, output: TemplateOutput) =>
    c.located(() => c.resolver.resolveTolerant(output.Export?.Name, `Outputs.${name}.Export.Name`, report));
  for (const [name, output] of Object.entries(c.outputs)) {
    const condition = output.Condition;
    if (condition !== undefined && !c.located(() => c.resolver.condition(condition))) continue;
    c.late.missed = false;
    const problems: [string, string][] = [];
    const value = c.located(() =>
      c.resolver.resolveTolerant(output.Value, `Outputs.${name}`, (path, message) => problems.push([path, message])),
    );
    if (value === NO_VALUE && c.late.missed && output.Export === undefined) {
      // Its value waits on a provider that answers at start: DescribeStacks resolves it again then.
      c.warn(
        `${c.stackName} Outputs.${name}: its value is a custom resource's attribute, its provider's Data: describe-stacks shows it once the provider has run at start (if it runs locally)`,
      );
      lateOutputs.push(lateOutput(c, name, output));
      continue;
    }
    for (const [path, message] of problems) report(path, message);
    if (value === NO_VALUE) {
      const exportName = output.Export === undefined ? undefined : exportNameOf(name, output);
      if (typeof exportName === 'string') c.exports.addUnresolved(exportName, c.stackName, name);
      continue;
    }
    outputs[name] = text(value);
    if (output.Export === undefined) continue;
    const exportName = exportNameOf(name, output);
    if (typeof exportName === 'string') {
      exports[exportName] = outputs[name];
      exportNames[name] = exportName;
    }
  }
  return { outputs, exports, exportNames, lateOutputs };
}

/** An output resolved again, at each ask, with the attributes custom resources' providers answered. */
function lateOutput(c: OutputsContext, key: string, output: TemplateOutput): LateOutput {
  const description = typeof output.Description === 'string' ? output.Description : undefined;
  return {
    key,
    ...(description === undefined ? {} : { description }),
    resolve: (attributes) =>
      c.late.with(attributes, () => {
        const value = c.resolver.resolveTolerant(output.Value, `Outputs.${key}`, () => {});
        return value === NO_VALUE ? undefined : text(value);
      }),
  };
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : Array.isArray(value) ? value.join(',') : JSON.stringify(value);
}
