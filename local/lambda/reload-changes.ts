import type { FunctionDefinition } from './runtime/function-runtime.js';

/** What a reload changed in Lambda (LambdaService.reload). */
export interface LambdaReload {
  readonly changed: readonly { readonly name: string; readonly what: 'code' | 'configuration' }[];
  readonly added: readonly string[];
  /** Functions the new template no longer has: they keep running until the runtime restarts. */
  readonly kept: readonly string[];
  /** Event source mappings (by UUID) added, changed or removed. */
  readonly mappings: readonly string[];
}

/** Whether a function's code (its bundle folder or layers, public ones included) or only its settings changed; undefined when neither did. */
export function functionChange(before: FunctionDefinition, after: FunctionDefinition): 'code' | 'configuration' | undefined {
  const layers = (d: FunctionDefinition) => JSON.stringify([d.layers ?? [], d.publicLayers ?? []]);
  if (before.codePath !== after.codePath || layers(before) !== layers(after)) return 'code';
  return JSON.stringify(before) === JSON.stringify(after) ? undefined : 'configuration';
}
