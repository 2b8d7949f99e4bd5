import { tryParseArn } from './arn.js';
import type { LambdaReload } from './lambda/lambda-service.js';
import type { ServiceDefinitions } from './service-definitions.js';
import type { LoadedApp, LoadedResource } from './template/load.js';

/**
 * The resource types a reload applies while the runtime runs (`LocalRuntime.reload`); a
 * change to any other type that matters locally is reported as needing a restart. IAM,
 * permissions, policies and CDK's metadata are not enforced or run locally, so their changes
 * need nothing at all.
 */
const RELOADED_TYPES = new Set([
  'AWS::Lambda::Function',
  'AWS::Lambda::EventSourceMapping',
  'AWS::Lambda::EventInvokeConfig',
  'AWS::Lambda::LayerVersion',
  'AWS::Lambda::Version',
  'AWS::Lambda::Alias',
  'AWS::Events::EventBus',
  'AWS::Events::Rule',
  'AWS::StepFunctions::StateMachine',
  'AWS::SQS::Queue',
]);
const NOTHING_TO_RELOAD =
  /^AWS::(IAM::|CDK::Metadata$|Lambda::Permission$|Lambda::LayerVersionPermission$|SQS::Queue(Inline)?Policy$|Events::EventBusPolicy$)/;

/** What the runtime's services offer a reload (wired by LocalRuntime.start). */
export interface ReloadServices {
  /** Loads an assembly as the runtime loaded its first one (same endpoint, account, region, parameters). */
  load(cdkOut: string): { app: LoadedApp; definitions: ServiceDefinitions };
  readonly lambda: {
    reload(functions: ServiceDefinitions['functions'], sqsMappings: ServiceDefinitions['sqsMappings']): Promise<LambdaReload>;
  };
  readonly events: {
    declareTemplate(buses: ServiceDefinitions['buses'], rules: ServiceDefinitions['rules']): { added: string[]; changed: string[] };
  };
  readonly states: {
    declareStateMachines(machines: ServiceDefinitions['stateMachines']): { added: string[]; changed: string[] };
  };
  /** Creates a queue, or sets the attributes of one that exists (its messages stay). */
  ensureQueue(queue: ServiceDefinitions['queues'][number]): Promise<void>;
  /** Creates the tables that do not exist yet (existing ones keep their items). */
  ensureTables(tables: ServiceDefinitions['tables']): Promise<void>;
  /** Queues that receive dead-lettered events of rule targets and functions (the read API asks). */
  readonly deadLetterQueues: Set<string>;
}

/** What one reload did, for the line `switchyard dev` prints. */
export interface ReloadSummary {
  /** `function X (code)`, `rule Y`, `state machine Z (new)`, ...: what runs differently from now on. */
  readonly reloaded: readonly string[];
  /** Changes that take a restart to apply (removed resources, services not reloaded in place). */
  readonly needsRestart: readonly string[];
}

/** The loaded app and its definitions a reload starts from and replaces. */
export interface LoadedState {
  app: LoadedApp;
  definitions: ServiceDefinitions;
}

/**
 * Applies a newly synthesized cloud assembly to running services, keeping every store: queued
 * messages, running executions, table items and queued async invocations stay where they
 * are. Functions, event source mappings, rules and state machines take their new
 * definitions; new queues and tables are created. Throws (changing nothing) when the
 * assembly does not load.
 */
export async function reloadServices(services: ReloadServices, current: LoadedState, cdkOut: string): Promise<ReloadSummary> {
  const { app, definitions } = services.load(cdkOut);
  const reloaded: string[] = [];
  const before = current.definitions;

  for (const queue of definitions.queues) {
    const old = before.queues.find((q) => q.name === queue.name);
    if (old !== undefined && JSON.stringify(old.attributes) === JSON.stringify(queue.attributes)) continue;
    await services.ensureQueue(queue);
    reloaded.push(`queue ${queue.name}${old === undefined ? ' (new)' : ''}`);
  }
  const newTables = definitions.tables.filter((t) => !before.tables.some((b) => b.name === t.name));
  await services.ensureTables(newTables);
  reloaded.push(...newTables.map((t) => `table ${t.name} (new)`));

  const lambda = await services.lambda.reload(definitions.functions, definitions.sqsMappings);
  reloaded.push(...lambda.changed.map((c) => `function ${c.name} (${c.what})`), ...lambda.added.map((name) => `function ${name} (new)`));
  reloaded.push(...lambda.mappings.map((uuid) => `event source mapping ${mappingLabel(definitions, before, uuid)}`));

  const rules = services.events.declareTemplate(definitions.buses, definitions.rules);
  reloaded.push(...rules.changed.map((name) => `rule ${name}`), ...rules.added.map((name) => `rule ${name} (new)`));
  const machines = services.states.declareStateMachines(definitions.stateMachines);
  reloaded.push(...machines.changed.map((name) => `state machine ${name}`), ...machines.added.map((name) => `state machine ${name} (new)`));

  for (const rule of definitions.rules)
    for (const target of rule.targets) if (target.deadLetterArn) services.deadLetterQueues.add(target.deadLetterArn);
  for (const fn of definitions.functions) if (fn.asyncConfig?.deadLetterArn) services.deadLetterQueues.add(fn.asyncConfig.deadLetterArn);

  const needsRestart = restartChanges(current.app, app, definitions);
  current.app = app;
  // What the runtime reports from now on is the new template, but removed functions, rules and machines still run.
  current.definitions = definitions;
  return { reloaded, needsRestart };
}

/** A mapping by the queue and function it joins (its UUID is the template's logical reference, not readable). */
function mappingLabel(next: ServiceDefinitions, before: ServiceDefinitions, uuid: string): string {
  const mapping = next.sqsMappings.find((m) => m.uuid === uuid) ?? before.sqsMappings.find((m) => m.uuid === uuid);
  if (mapping === undefined) return uuid;
  const queue = tryParseArn(mapping.queueArn)?.resourceId ?? mapping.queueArn;
  const state = next.sqsMappings.includes(mapping) ? (mapping.enabled ? '' : ', disabled') : ', removed';
  return `${queue} -> ${mapping.functionName}${state}`;
}

/**
 * The template changes a reload leaves for the next start: resources removed (they keep
 * running meanwhile), and changes to the services that are not reloaded in place (topics,
 * schedules, buckets, APIs, pipes, tables' settings, ...).
 */
function restartChanges(before: LoadedApp, after: LoadedApp, definitions: ServiceDefinitions): string[] {
  const index = (app: LoadedApp) =>
    new Map(
      app.stacks
        .flatMap((stack) => stack.resources)
        .filter((r) => !r.customResourceProvider && !NOTHING_TO_RELOAD.test(r.type))
        .map((r) => [`${r.stackName}/${r.logicalId}`, r] as const),
    );
  const old = index(before);
  const next = index(after);
  const lines: string[] = [];
  for (const [id, resource] of old) {
    if (!next.has(id)) lines.push(`${label(resource)} was removed (it keeps running until switchyard dev restarts)`);
  }
  for (const [id, resource] of next) {
    if (RELOADED_TYPES.has(resource.type)) continue;
    const was = old.get(id);
    const changed = was !== undefined && JSON.stringify(was.properties) !== JSON.stringify(resource.properties);
    if (resource.type === 'AWS::DynamoDB::Table') {
      // New tables were created above; an existing one keeps its items and schema, even after a restart.
      if (changed && definitions.tables.some((t) => t.name === resource.physicalName))
        lines.push(`${label(resource)} changed: the local table keeps its items and key schema (a new table name starts afresh)`);
    } else if (was === undefined) lines.push(`${label(resource)} is new (it runs after a restart)`);
    else if (changed) lines.push(`${label(resource)} changed (it applies after a restart)`);
  }
  return lines;
}

function label(resource: LoadedResource): string {
  return `${resource.type} ${resource.stackName}/${resource.logicalId}`;
}
