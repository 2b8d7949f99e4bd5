import { flowName, resourceName } from '../resource-names.js';
import { type AppThing, NAMED_BY, NoSuchName, thingsNamed } from './app-names.js';
import { usageError } from './errors.js';
import { flowSettingsOf } from './flow-control.js';
import { type CloudAssembly, constructPathOf, referencedId, resourcesOfType, type TemplateResource } from './template.js';

/** A resource of the app by what finds it in the target: its stack, logical id and the name its template sets. */
export interface AppResource {
  readonly stackName: string;
  readonly logicalId: string;
  readonly explicitName?: string;
  readonly fifo?: boolean;
  /** Its construct path, when the template has path metadata. */
  readonly constructPath?: string;
}

/**
 * What takes the app's events from where they wait and hands them on, which a pause stops:
 * an SQS event source mapping (its queue keeps the messages), a Scheduler schedule or a
 * scheduled rule (their firings do not happen while disabled; they have nothing to queue).
 */
export type Consumer =
  | {
      readonly kind: 'mapping';
      readonly resource: AppResource;
      readonly queue: AppResource;
      readonly function: AppResource;
      /** What `switchyard pause` and `flow` show: `<queue> -> <function>`. */
      readonly label: string;
      /** The template's own Enabled: a mapping it disables is no pause's to undo. */
      readonly enabledInTemplate: boolean;
    }
  | {
      readonly kind: 'schedule';
      readonly resource: AppResource;
      readonly group: string;
      readonly label: string;
      readonly enabledInTemplate: boolean;
    }
  | { readonly kind: 'rule'; readonly resource: AppResource; readonly label: string; readonly enabledInTemplate: boolean };

/** What `switchyard pause` takes: a flow, a function or a queue of the app, with the consumers a pause of it stops. */
export interface PauseTarget {
  readonly name: string;
  readonly kind: 'flow' | 'function' | 'queue';
  /** The other names it is known by: its logical id, the name its template sets. */
  readonly aliases: readonly string[];
  /** The resource it is (absent for a flow of keyed flow control, which is a name in a function's settings). */
  readonly resource?: AppResource;
  /** A durable function: a flow too, which a construct's name picks first, as a state machine. */
  readonly durable?: boolean;
  readonly consumers: readonly Consumer[];
}

/**
 * The app's pausable things, from its templates: each state machine (a flow, by the name the
 * other commands give it) with the mappings of the functions that start it (a Workflow's
 * starter names it in its environment) and the schedules and scheduled rules that start it;
 * each flow of keyed flow control (`switchyard flow`'s names) with its consumer's mappings;
 * each durable function (also a flow) with its starters' mappings and its schedules; each
 * function with its own mappings, schedules and scheduled rules; each queue with the mappings
 * that read it. Only SQS mappings: a stream's mapping is left alone.
 */
export function pauseTargets(assembly: CloudAssembly): PauseTarget[] {
  const consumers = appConsumers(assembly);
  const targets: PauseTarget[] = [];
  const add = (name: string, kind: PauseTarget['kind'], resource: TemplateResource, chosen: readonly Consumer[], ...aliases: string[]) => {
    const names = [resource.logicalId, ...aliases].filter((alias) => alias !== name);
    const explicit = aliases[0] === undefined ? {} : { explicitName: aliases[0] };
    const own = { stackName: resource.stackName, logicalId: resource.logicalId, ...explicit, ...constructPathOf(resource) };
    const durable = resource.properties.DurableConfig === undefined ? {} : { durable: true };
    targets.push({ name, kind, aliases: [...new Set(names)], resource: own, ...durable, consumers: chosen });
  };
  const startersOf = (flow: TemplateResource) => {
    const references = new Set([flow.logicalId, ...versionsAndAliasesOf(assembly, flow)]);
    const starters = resourcesOfType(assembly, 'AWS::Lambda::Function').filter(
      (fn) => fn.stackName === flow.stackName && environmentReferences(fn).some((id) => references.has(id)),
    );
    return consumers.filter(
      (c) => (c.kind === 'mapping' && starters.some((s) => same(s, c.function))) || (c.kind !== 'mapping' && delivers(assembly, c, flow)),
    );
  };
  for (const machine of resourcesOfType(assembly, 'AWS::StepFunctions::StateMachine')) {
    add(flowName(machine.logicalId), 'flow', machine, startersOf(machine), ...explicitName(machine, 'StateMachineName'));
  }
  for (const fn of resourcesOfType(assembly, 'AWS::Lambda::Function')) {
    const own = consumers.filter((c) => (c.kind === 'mapping' ? same(fn, c.function) : delivers(assembly, c, fn)));
    const durable = fn.properties.DurableConfig !== undefined;
    add(resourceName(fn.logicalId), 'function', fn, durable ? [...own, ...startersOf(fn)] : own, ...explicitName(fn, 'FunctionName'));
    const settings = flowSettingsOf(fn);
    if (settings !== undefined) targets.push({ name: settings.flow, kind: 'flow', aliases: [], consumers: own });
  }
  for (const queue of resourcesOfType(assembly, 'AWS::SQS::Queue')) {
    const readers = consumers.filter((c) => c.kind === 'mapping' && same(queue, c.queue));
    if (readers.length > 0) add(resourceName(queue.logicalId), 'queue', queue, readers, ...explicitName(queue, 'QueueName'));
  }
  return targets;
}

/**
 * The targets `name` names (inspect/app-names.ts: by the name listed, logical id, the name its
 * template sets, its deployed name or ARN, its construct path; case-insensitive): a flow and a
 * function may share one. When none, those of the construct it names, its flows first; a
 * construct whose things all stop the same consumers (a QueueConsumer: its function and the
 * queue it drains, one mapping) is one thing to pause, not a choice for the user to make.
 */
export function targetsNamed(targets: readonly PauseTarget[], name: string): PauseTarget[] {
  const things = targets.map((target) => ({ ...pauseThing(target), target }));
  const flowFirst = (thing: (typeof things)[number]) => thing.kind === 'flow' || thing.target.durable === true;
  const sameConsumers = (chosen: readonly (typeof things)[number][]) => {
    const [first, ...others] = chosen.map(({ target }) => consumerKeys(target.consumers));
    return first !== undefined && first !== '' && others.every((keys) => keys === first);
  };
  return thingsNamed(things, name, flowFirst, undefined, sameConsumers).map((thing) => thing.target);
}

/** A consumer by the resource it is (`<stack>/<logical id>`): one consumer, however many targets reach it. */
export function consumerKey(consumer: Consumer): string {
  return `${consumer.resource.stackName}/${consumer.resource.logicalId}`;
}

/** The consumers a pause of a target stops, as one comparable string. */
function consumerKeys(consumers: readonly Consumer[]): string {
  return [...new Set(consumers.map(consumerKey))].sort().join('\n');
}

/** A target as the one name resolver sees it; a flow of keyed flow control goes by its name alone. */
function pauseThing(target: PauseTarget): AppThing {
  const own = target.resource ?? { stackName: '', logicalId: target.name };
  return { kind: target.kind, shown: target.name, ...own, aliases: target.aliases };
}

/** Every SQS mapping, schedule and scheduled rule of the app. */
export function appConsumers(assembly: CloudAssembly): Consumer[] {
  const byId = (stackName: string, id: string | undefined, type: string) =>
    assembly.stacks.find((s) => s.stackName === stackName)?.resources.find((r) => r.logicalId === id && r.type === type);
  const consumers: Consumer[] = [];
  for (const mapping of resourcesOfType(assembly, 'AWS::Lambda::EventSourceMapping')) {
    const queue = byId(mapping.stackName, referencedId(mapping.properties.EventSourceArn), 'AWS::SQS::Queue');
    const fn = functionOf(assembly, mapping.stackName, referencedId(mapping.properties.FunctionName));
    if (queue === undefined || fn === undefined) continue;
    consumers.push({
      kind: 'mapping',
      resource: appResource(mapping),
      queue: { ...appResource(queue, 'QueueName'), fifo: String(queue.properties.FifoQueue) === 'true' },
      function: appResource(fn, 'FunctionName'),
      label: `${resourceName(queue.logicalId)} -> ${resourceName(fn.logicalId)}`,
      enabledInTemplate: mapping.properties.Enabled !== false && mapping.properties.Enabled !== 'false',
    });
  }
  for (const schedule of resourcesOfType(assembly, 'AWS::Scheduler::Schedule')) {
    const group = schedule.properties.GroupName;
    consumers.push({
      kind: 'schedule',
      resource: appResource(schedule, 'Name'),
      group: typeof group === 'string' ? group : 'default',
      label: `schedule ${resourceName(schedule.logicalId)}`,
      enabledInTemplate: schedule.properties.State !== 'DISABLED',
    });
  }
  for (const rule of resourcesOfType(assembly, 'AWS::Events::Rule')) {
    if (rule.properties.ScheduleExpression === undefined) continue;
    consumers.push({
      kind: 'rule',
      resource: appResource(rule, 'Name'),
      label: `scheduled rule ${resourceName(rule.logicalId)}`,
      enabledInTemplate: rule.properties.State !== 'DISABLED',
    });
  }
  return consumers;
}

/** Whether a schedule or scheduled rule invokes `target` (or one of its versions and aliases) itself. */
function delivers(assembly: CloudAssembly, consumer: Consumer, target: TemplateResource): boolean {
  if (consumer.resource.stackName !== target.stackName) return false;
  const resource = assembly.stacks
    .find((s) => s.stackName === target.stackName)
    ?.resources.find((r) => r.logicalId === consumer.resource.logicalId);
  const arns =
    consumer.kind === 'schedule'
      ? [(resource?.properties.Target as { Arn?: unknown } | undefined)?.Arn]
      : ((resource?.properties.Targets ?? []) as { Arn?: unknown }[]).map((t) => t.Arn);
  const ids = new Set([target.logicalId, ...versionsAndAliasesOf(assembly, target)]);
  return arns.some((arn) => ids.has(referencedId(arn) ?? ''));
}

/** The function a mapping's FunctionName refers to: the function itself, or the function of its version or alias. */
function functionOf(assembly: CloudAssembly, stackName: string, id: string | undefined): TemplateResource | undefined {
  const resource = assembly.stacks.find((s) => s.stackName === stackName)?.resources.find((r) => r.logicalId === id);
  if (resource === undefined) return undefined;
  if (resource.type === 'AWS::Lambda::Function') return resource;
  if (resource.type === 'AWS::Lambda::Alias' || resource.type === 'AWS::Lambda::Version') {
    return functionOf(assembly, stackName, referencedId(resource.properties.FunctionName));
  }
  return undefined;
}

/** The logical ids of a function's versions and aliases (a durable function is started through one). */
function versionsAndAliasesOf(assembly: CloudAssembly, fn: TemplateResource): string[] {
  return [...resourcesOfType(assembly, 'AWS::Lambda::Version'), ...resourcesOfType(assembly, 'AWS::Lambda::Alias')]
    .filter((r) => r.stackName === fn.stackName && referencedId(r.properties.FunctionName) === fn.logicalId)
    .map((r) => r.logicalId);
}

/** The logical ids a function's environment variables refer to. */
function environmentReferences(fn: TemplateResource): string[] {
  const variables = (fn.properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
  return Object.values(variables).flatMap((value) => referencedId(value) ?? []);
}

function appResource(resource: TemplateResource, nameProperty?: string): AppResource {
  return {
    stackName: resource.stackName,
    logicalId: resource.logicalId,
    ...explicitNameOf(resource, nameProperty),
    ...constructPathOf(resource),
  };
}

function explicitNameOf(resource: TemplateResource, property: string | undefined): { explicitName?: string } {
  const name = property === undefined ? undefined : resource.properties[property];
  return typeof name === 'string' ? { explicitName: name } : {};
}

function explicitName(resource: TemplateResource, property: string): string[] {
  const name = resource.properties[property];
  return typeof name === 'string' ? [name] : [];
}

function same(resource: TemplateResource, other: AppResource): boolean {
  return resource.stackName === other.stackName && resource.logicalId === other.logicalId;
}

/**
 * The targets `name` names, with what their pause stops. Bad input names what is there:
 * an unknown name lists the app's flows, functions and queues that can be paused, and one
 * that nothing delivers to says so.
 * @throws CliError (exit 2)
 */
export function selectPauseTargets(all: readonly PauseTarget[], name: string): PauseTarget[] {
  const chosen = targetsNamed(all, name);
  if (chosen.length === 0) throw new NoSuchName(`no flow, function or queue "${name}" in the app (${pausable(all)}); ${NAMED_BY}`);
  if (chosen.every((t) => t.consumers.length === 0)) {
    const what = chosen.map((t) => `${t.kind} ${t.name}`).join(' and ');
    throw usageError(
      `${what} has nothing to pause: no SQS event source mapping, schedule or scheduled rule of the app delivers to it (${pausable(all)})`,
    );
  }
  return chosen;
}

/** What can be paused, by kind. */
function pausable(all: readonly PauseTarget[]): string {
  const names = (kind: PauseTarget['kind']) => [
    ...new Set(all.filter((t) => t.kind === kind && t.consumers.length > 0).map((t) => t.name)),
  ];
  const parts = (['flow', 'function', 'queue'] as const).flatMap((kind) => {
    const found = names(kind);
    return found.length === 0 ? [] : [`${kind}s: ${found.join(', ')}`];
  });
  return parts.length === 0 ? 'it has nothing to pause' : `what can be paused: ${parts.join('; ')}`;
}
