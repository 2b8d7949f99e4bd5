import { UnsupportedError } from './resolve.js';

/**
 * The exports of the stacks loaded so far, as CloudFormation shares them within an account
 * and region: what `Fn::ImportValue` resolves to. An export whose output did not resolve
 * locally is remembered too, so that its import names that output rather than a missing export.
 */
export class AssemblyExports {
  /** Export name -> the value and the stack that exports it. */
  readonly #values = new Map<string, { readonly value: string; readonly stackName: string }>();
  /** Export name -> the stack and output that export it without a local value. */
  readonly #unresolved = new Map<string, { readonly stackName: string; readonly output: string }>();

  /** Records a stack's exports; a warning for each name another stack already exports (imports read the first). */
  add(stackName: string, exports: Readonly<Record<string, string>>): string[] {
    const warnings: string[] = [];
    for (const [name, value] of Object.entries(exports)) {
      const other = this.#values.get(name);
      if (other === undefined) this.#values.set(name, { value, stackName });
      else
        warnings.push(
          `${stackName}: export ${JSON.stringify(name)} is already exported by ${other.stackName}; imports read ${other.stackName}'s`,
        );
    }
    return warnings;
  }

  /** Records an export whose output has no local value (the loader said why). */
  addUnresolved(name: string, stackName: string, output: string): void {
    this.#unresolved.set(name, { stackName, output });
  }

  /** The exported value; `UnsupportedError` naming why there is none. */
  importValue(name: string): string {
    const exported = this.#values.get(name);
    if (exported !== undefined) return exported.value;
    const unresolved = this.#unresolved.get(name);
    throw new UnsupportedError(
      unresolved === undefined
        ? `Fn::ImportValue: no stack of the cloud assembly exports ${JSON.stringify(name)}`
        : `Fn::ImportValue: ${unresolved.stackName} exports ${JSON.stringify(name)}, but its Outputs.${unresolved.output} has no local value (said above)`,
    );
  }
}
