import { type TableDefinition, tableDefinitions } from './dynamodb/definitions.js';
import {
  type ArchiveDefinition,
  type BusDefinition,
  type EventSchemaDefinition,
  eventDefinitions,
  type RuleDefinition,
} from './events/definitions.js';
import { functionDefinitions } from './lambda/definitions.js';
import type { FunctionDefinition } from './lambda/function-runtime.js';
import type { SqsMappingDefinition } from './lambda/sqs-event-source.js';
import { type QueueDefinition, queueDefinitions } from './sqs/definitions.js';
import { type StateMachineTemplate, stateMachineDefinitions } from './states/definitions.js';
import type { LoadedApp } from './template/load.js';

/**
 * What the services that reach each other read from the templates, and what a reload
 * compares and applies (local/reload.ts) and the start-up report describes. Each part is
 * read by its service's own `definitions.ts`; the other services read theirs themselves.
 */
export interface ServiceDefinitions {
  readonly queues: readonly QueueDefinition[];
  readonly tables: readonly TableDefinition[];
  readonly functions: readonly FunctionDefinition[];
  readonly sqsMappings: readonly SqsMappingDefinition[];
  readonly buses: readonly BusDefinition[];
  readonly rules: readonly RuleDefinition[];
  readonly archives: readonly ArchiveDefinition[];
  /** The event schemas the app publishes (its contracts): the start-up report's example event is built from them. */
  readonly eventSchemas?: readonly EventSchemaDefinition[];
  readonly stateMachines: readonly StateMachineTemplate[];
  /** Resources that were loaded but that no local service runs, beyond the loader's own warnings. */
  readonly warnings: readonly string[];
}

/** Translates the loaded template resources into these services' definitions. */
export function serviceDefinitions(app: LoadedApp): ServiceDefinitions {
  // What only backs custom resources runs while CloudFormation deploys, never locally.
  const resources = app.stacks.flatMap((stack) => stack.resources).filter((r) => !r.customResourceProvider);
  const byType = (type: string) => resources.filter((r) => r.type === type);
  const lambda = functionDefinitions(byType);
  const events = eventDefinitions(byType);
  const states = stateMachineDefinitions(byType);
  return {
    queues: queueDefinitions(byType),
    tables: tableDefinitions(byType),
    functions: lambda.functions,
    sqsMappings: lambda.sqsMappings,
    buses: events.buses,
    rules: events.rules,
    archives: events.archives,
    eventSchemas: events.schemas,
    stateMachines: states.stateMachines,
    warnings: [...lambda.warnings, ...events.warnings, ...states.warnings],
  };
}
