import { AwsError } from '../endpoint/aws-error.js';
import { MAX_JSON_DEPTH, tooDeep } from '../json/json-depth.js';
import { invalidDefinition } from './engine/errors.js';
import { compileDefinition, InvalidDefinition, type Machine, parseDefinitionJson } from './engine/index.js';
import type { StateMachineType } from './execution-store.js';
import { isObject } from './integrations/shared.js';
import { taskStates } from './task-resources.js';

/** AWS ends an Express execution after five minutes. */
const EXPRESS_MAX_SECONDS = 300;
const ACTIVITY_ARN = /^arn:[^:]+:states:[^:]*:[^:]*:activity:/;

/**
 * State machine definitions as the engine runs them, with the checks CreateStateMachine
 * and UpdateStateMachine make beyond the ASL itself.
 */
export class DefinitionCompiler {
  /**
   * By type, then by the definition's text: a key made of the two was a new string each call,
   * copied and hashed whole (twice a start: a 10 KB definition cost 20 KB of it), where the
   * text itself is the registry's one string, its hash computed once.
   */
  readonly #compiled: Record<StateMachineType, Map<string, Machine>> = { STANDARD: new Map(), EXPRESS: new Map() };

  /** `resourceError`: why AWS rejects a Task resource when the machine is created (TaskIntegrations.resourceError), or undefined. */
  constructor(private readonly resourceError: (resource: string) => string | undefined) {}

  /** Throws InvalidDefinition as CreateStateMachine answers it. */
  validate(definition: string, type: StateMachineType): void {
    const machine = this.compile(definition, type);
    for (const { resource, path } of taskStates(machine.definition)) {
      const error = this.resourceError(resource);
      if (error)
        throw new AwsError(
          'InvalidDefinition',
          `Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: ${error} at ${path}/Resource'`,
        );
    }
    if (type === 'EXPRESS') {
      for (const { resource, path } of taskStates(machine.definition)) {
        if (ACTIVITY_ARN.test(resource))
          throw new AwsError(
            'InvalidDefinition',
            `Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: Express state machine does not support Activity ARN at ${path}/Resource'`,
          );
        const pattern = /\.(sync(?::2)?|waitForTaskToken)$/.exec(resource)?.[0];
        // AWS's text for .waitForTaskToken ends with a space (its recorded answers), .sync's does not
        const space = pattern === '.waitForTaskToken' ? ' ' : '';
        if (pattern) {
          throw new AwsError(
            'InvalidDefinition',
            `Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: Express state machine does not support '${pattern}' service integration${space} at ${path}/Resource'`,
          );
        }
      }
    }
  }

  /** Parses a definition once per machine type (cached by its text). */
  compile(definition: string, type: StateMachineType): Machine {
    const compiled = this.#compiled[type];
    const cached = compiled.get(definition);
    if (cached) return cached;
    const machine = this.compileObject(parseDefinition(definition), type);
    compiled.set(definition, machine);
    return machine;
  }

  compileObject(definition: unknown, type: StateMachineType): Machine {
    let source = definition;
    if (type === 'EXPRESS' && isObject(source)) {
      const timeout = typeof source.TimeoutSeconds === 'number' ? source.TimeoutSeconds : EXPRESS_MAX_SECONDS;
      source = { ...source, TimeoutSeconds: Math.min(timeout, EXPRESS_MAX_SECONDS) };
    }
    try {
      return compileDefinition(source);
    } catch (error) {
      if (error instanceof InvalidDefinition) throw new AwsError('InvalidDefinition', error.message, 400, { cause: error });
      throw error;
    }
  }
}

/**
 * A definition's JSON, refused as CreateStateMachine refuses bad JSON (InvalidDefinition,
 * INVALID_JSON_DESCRIPTION, in Jackson's words); one nested deeper than MAX_JSON_DEPTH is
 * refused so too (compiling it recurses per level).
 * @throws AwsError InvalidDefinition
 */
export function parseDefinition(text: string): unknown {
  try {
    if (tooDeep(text))
      throw invalidDefinition(`INVALID_JSON_DESCRIPTION: the definition is nested more than ${MAX_JSON_DEPTH} levels deep`);
    return parseDefinitionJson(text);
  } catch (error) {
    if (error instanceof InvalidDefinition) throw new AwsError('InvalidDefinition', error.message, 400, { cause: error });
    throw error;
  }
}
