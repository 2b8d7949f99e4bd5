import { type NestedState, nestedStates } from './engine/state-tree.js';

/** A Task state of a definition, wherever it is nested. */
export interface TaskState extends Omit<NestedState, 'state'> {
  readonly resource: string;
}

/** Every Task state of a definition, including those in Parallel branches and Map item processors. */
export function taskStates(definition: unknown): TaskState[] {
  const found: TaskState[] = [];
  for (const { name, state, path, within } of nestedStates(definition))
    if (state.Type === 'Task' && typeof state.Resource === 'string') found.push({ resource: state.Resource, name, path, within });
  return found;
}

/** Each state machine with its definition parsed; one whose definition does not parse is left to the engine, which refuses it. */
function* parsedMachines<M extends { definition: string }>(machines: readonly M[]): Generator<{ machine: M; definition: unknown }> {
  for (const machine of machines) {
    try {
      yield { machine, definition: JSON.parse(machine.definition) };
    } catch {
      // Not a definition to report on: creating the state machine refuses it, with its error.
    }
  }
}

/**
 * The start-up report of what a state machine names that this runtime cannot run: one
 * line per Task state, by state machine and state, saying why.
 */
export function unsupportedResourceWarnings(
  machines: readonly { name: string; definition: string }[],
  unsupported: (resource: string) => string | undefined,
): string[] {
  const warnings: string[] = [];
  for (const { machine, definition } of parsedMachines(machines)) {
    for (const task of taskStates(definition)) {
      const reason = unsupported(task.resource);
      if (reason === undefined) continue;
      const where = task.within ? ` (in ${task.within})` : '';
      warnings.push(
        `state machine ${machine.name}, state "${task.name}"${where}: ${task.resource} cannot run locally (${reason}); the task fails with States.Runtime when it runs`,
      );
    }
  }
  return warnings;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Each Map state of a definition with its ItemReader or ResultWriter, wherever it is nested. */
function mapStates(definition: unknown): NestedState[] {
  return [...nestedStates(definition)].filter(
    ({ state }) => state.Type === 'Map' && (state.ItemReader !== undefined || state.ResultWriter !== undefined),
  );
}

/** What of an ItemReader or ResultWriter the local runtime does not run, or undefined. */
function unreadMapIo(state: Record<string, unknown>): string | undefined {
  const reader = isObject(state.ItemReader) ? state.ItemReader : undefined;
  const config = reader && isObject(reader.ReaderConfig) ? reader.ReaderConfig : {};
  if (reader && !/^arn:[^:]+:states:::s3:(getObject|listObjectsV2)$/.test(String(reader.Resource)))
    return `its ItemReader's resource ${String(reader.Resource)} is not read (only s3:getObject and s3:listObjectsV2)`;
  if (reader && config.InputType !== undefined && !['JSON', 'JSONL', 'CSV'].includes(String(config.InputType)))
    return `its ItemReader's InputType ${String(config.InputType)} is not read (only JSON, JSONL and CSV)`;
  if (config.Transformation !== undefined && config.Transformation !== 'NONE')
    return `its ItemReader's Transformation ${String(config.Transformation)} is not applied`;
  const writer = isObject(state.ResultWriter) ? state.ResultWriter : undefined;
  if (writer?.Resource !== undefined && !/^arn:[^:]+:states:::s3:putObject$/.test(String(writer.Resource)))
    return `its ResultWriter's resource ${String(writer.Resource)} is not written (only s3:putObject)`;
  return undefined;
}

/**
 * The start-up report of each distributed Map whose ItemReader or ResultWriter the local
 * runtime cannot run as written: such a Map fails with States.ItemReaderFailed (or
 * States.ResultWriterFailed) when it runs.
 */
export function mapIoWarnings(machines: readonly { name: string; definition: string }[]): string[] {
  const warnings: string[] = [];
  for (const { machine, definition } of parsedMachines(machines)) {
    for (const map of mapStates(definition)) {
      const reason = unreadMapIo(map.state);
      if (reason === undefined) continue;
      const where = map.within ? ` (in ${map.within})` : '';
      warnings.push(`state machine ${machine.name}, Map state "${map.name}"${where}: ${reason} locally; the Map fails when it runs`);
    }
  }
  return warnings;
}
