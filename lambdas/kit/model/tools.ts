import type { Static, TSchema } from 'typebox';
import { validatorFor } from '../../../contracts/validator.js';

/** A tool the model may call: its input declared as a TypeBox schema, checked before `run` sees it. */
export interface ModelTool<S extends TSchema = TSchema> {
  /** The name the model calls it by: letters, digits, `_` and `-`, at most 64 characters (Bedrock's rule). */
  readonly name: string;
  readonly description: string;
  readonly input: S;
  /** What the tool does; its result goes back to the model as JSON. Absent for a tool that only shapes output. */
  readonly run?: (input: Static<S>) => Promise<unknown> | unknown;
}

const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

/** A tool with its input schema; the name is checked here, at module load, not at the first call. */
export function defineTool<S extends TSchema>(tool: ModelTool<S>): ModelTool<S> {
  if (!TOOL_NAME.test(tool.name)) {
    throw new TypeError(`tool name "${tool.name}" must be 1 to 64 letters, digits, _ or - (Bedrock's rule for a toolSpec name)`);
  }
  return tool;
}

/** The checker of a tool's input, compiled once per tool. */
const checkers = new WeakMap<ModelTool, (value: unknown) => ReturnType<ReturnType<typeof validatorFor>>>();

/** The tool's input if its schema accepts it, else the reasons it does not. */
export function checkToolInput(tool: ModelTool, input: unknown): { ok: true; value: unknown } | { ok: false; errors: string } {
  let check = checkers.get(tool);
  if (check === undefined) {
    check = validatorFor(tool.input);
    checkers.set(tool, check);
  }
  const result = check(input);
  return result.ok ? { ok: true, value: result.value } : { ok: false, errors: result.errors.join('; ') };
}

/** A toolSpec as Converse takes it: TypeBox schemas are JSON Schema already. */
export function toolSpecOf(tool: ModelTool): { toolSpec: { name: string; description: string; inputSchema: { json: never } } } {
  return { toolSpec: { name: tool.name, description: tool.description, inputSchema: { json: tool.input as never } } };
}
