import { jacksonLocation, jacksonSyntaxError } from '../../json/jackson-syntax.js';
import { compileDefinition, type Machine } from './definition.js';
import { invalidDefinition, NOT_AN_OBJECT } from './errors.js';

const parsed = new Map<string, Machine>();

/**
 * Parses and validates a definition the way CreateStateMachine does. Machines are
 * immutable, so the same text yields the same compiled machine (validation is slow).
 */
export function parseDefinition(json: string): Machine {
  const cached = parsed.get(json);
  if (cached) return cached;
  const machine = compileDefinition(parseDefinitionJson(json));
  if (parsed.size >= 500) parsed.delete(parsed.keys().next().value as string);
  parsed.set(json, machine);
  return machine;
}

/**
 * A definition's JSON, refused as CreateStateMachine refuses it: blank, or with Jackson's
 * words and location for bad JSON (INVALID_JSON_DESCRIPTION; AWS's parser is Jackson).
 * @throws InvalidDefinition
 */
export function parseDefinitionJson(json: string): unknown {
  if (json.trim() === '') throw invalidDefinition(NOT_AN_OBJECT);
  try {
    return JSON.parse(json);
  } catch (e) {
    const jackson = jacksonSyntaxError(json);
    const reason = jackson ? `${jackson.message}\n at ${jacksonLocation(json, jackson)}` : (e as Error).message;
    throw invalidDefinition(`INVALID_JSON_DESCRIPTION: ${reason}`, { cause: e });
  }
}
