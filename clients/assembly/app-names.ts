import { logicalIdIn, physicalNameMatches, resourceName } from '../resource-names.js';
import { CliError } from './errors.js';
import { type CloudAssembly, constructPathOf, resourcesOfType } from './template.js';

/**
 * One thing of the app a command takes by name (a flow, a function, a queue, a bus), with
 * every name a command or tool shows it by. The one place those names are matched: every
 * command and MCP tool that takes a flow, function, queue or bus resolves it here, so that
 * what one of them shows, every other takes (issue 66).
 */
export interface AppThing {
  /** What it is, as errors say it: `flow`, `function`, `queue`, `bus`. */
  readonly kind: string;
  /** The name the commands list it by (clients/resource-names.ts: a flow's, a resource's). */
  readonly shown: string;
  readonly stackName: string;
  readonly logicalId: string;
  /** The name its template sets (StateMachineName, FunctionName, QueueName, Name). */
  readonly explicitName?: string;
  readonly fifo?: boolean;
  /** What the target calls it, where it was found there: its deployed name, ARN, URL. */
  readonly deployed?: readonly (string | undefined)[];
  /** Other names it goes by (a flow of keyed flow control's name). */
  readonly aliases?: readonly string[];
  /**
   * Its construct path (`Stack/OrderSaga/Workflow/StateMachine/Resource`, the template's
   * `aws:cdk:path` metadata): a construct's name is matched against its parts. Absent when the
   * app synthesized without path metadata.
   */
  readonly constructPath?: string;
}

/**
 * Whether `wanted` names the thing, case-insensitively: the name the commands list it by, its
 * logical id (with or without CDK's hash), the name its template sets, what the target calls
 * it (a deployed name, an ARN or URL ending in one, a Lambda ARN with its qualifier), or its
 * construct path (`OrderSaga/Workflow/StateMachine`, with or without the stack and a last
 * `Resource`, which CDK's logical id is made of).
 */
export function namesThing(thing: AppThing, wanted: string): boolean {
  const lower = wanted.toLowerCase();
  const exact = [
    thing.shown,
    thing.logicalId,
    resourceName(thing.logicalId),
    thing.explicitName,
    ...(thing.deployed ?? []),
    ...(thing.aliases ?? []),
  ];
  if (exact.some((name) => name !== undefined && name.toLowerCase() === lower)) return true;
  const deployed = deployedNameIn(wanted);
  if (deployed !== undefined && (physicalNameMatches(thing, deployed) || logicalIdIn(deployed) === thing.logicalId)) return true;
  const path = constructPathId(wanted, thing.stackName);
  return path !== undefined && path.toLowerCase() === resourceName(thing.logicalId).toLowerCase();
}

/**
 * The deployed name a name holds: the name itself; a queue URL's last part; the resource of an
 * ARN that names a state machine or function (with or without a version or alias qualifier)
 * or a queue or bus (`event-bus/<name>`, a Custom Event Bus's `event-busv2/<name>/<id>`). Undefined for the ARN of anything else (an
 * execution's ARN holds its state machine's name, and names the execution, not the flow) and
 * for a path.
 */
function deployedNameIn(wanted: string): string | undefined {
  if (/^https?:\/\//.test(wanted)) return wanted.split('/').at(-1);
  if (!wanted.startsWith('arn:')) return wanted.includes('/') ? undefined : wanted;
  const resource = wanted.split(':').slice(5);
  // A Custom Event Bus's ARN ends in its name and an id: `event-busv2/<name>/<id>`.
  if (resource.length === 1 && resource[0]?.startsWith('event-busv2/')) return resource[0].split('/')[1];
  if (resource.length === 1) return resource[0]?.split('/').at(-1);
  return resource[0] === 'stateMachine' || resource[0] === 'function' ? resource[1] : undefined;
}

/**
 * The part of a logical id a construct path makes (CDK's makeUniqueId, without its hash):
 * the path inside its stack, `Default` left out, a part that the one before ends with left
 * out, `Resource` left out, each part's letters and digits. Undefined for a name with no `/`.
 */
export function constructPathId(path: string, stackName: string): string | undefined {
  if (!path.includes('/')) return undefined;
  let parts = path.split('/').filter((part) => part !== '' && part !== 'Default');
  if (parts[0]?.toLowerCase() === stackName.toLowerCase() && parts.length > 1) parts = parts.slice(1);
  const kept: string[] = [];
  for (const part of parts) if (!kept.at(-1)?.endsWith(part)) kept.push(part);
  const id = kept
    .filter((part) => part !== 'Resource')
    .map((part) => part.replace(/[^A-Za-z0-9]/g, ''))
    .join('');
  return id === '' ? undefined : id;
}

/** A name that names nothing of the app of the kind asked for (exit 2: bad input). */
export class NoSuchName extends CliError {
  constructor(message: string) {
    super(message, 2);
    this.name = 'NoSuchName';
  }
}

/** A name that names several things of the app where one was meant (exit 2: bad input). */
export class AmbiguousName extends CliError {
  constructor(message: string) {
    super(message, 2);
    this.name = 'AmbiguousName';
  }
}

/** What names a thing of the app, for the errors that say what would be right. */
export const NAMED_BY = 'name one as the commands list it, or by its logical id, deployed name, ARN or construct path';

/**
 * The things `wanted` names (namesThing: a flow and a function may share a name, and both are
 * named); when none, the one thing inside the construct it names (`OrderSaga`: the logical ids
 * CDK made of `OrderSaga/...`), the one `prefer` picks when it picks one (the construct's flow,
 * say), or all of them when `oneToCommand` says they are one thing to the command (a
 * QueueConsumer's function and the queue it drains: one consumer to pause). Empty when nothing
 * is named.
 * @throws AmbiguousName when the construct holds several such things: which one is for the user to say
 */
export function thingsNamed<T extends AppThing>(
  things: readonly T[],
  wanted: string,
  prefer?: (thing: T) => boolean,
  where?: string,
  oneToCommand?: (chosen: readonly T[]) => boolean,
): T[] {
  const named = things.filter((thing) => namesThing(thing, wanted));
  if (named.length > 0) return named;
  const within = things.filter((thing) => insideConstruct(thing, wanted));
  const preferred = prefer === undefined ? [] : within.filter(prefer);
  const chosen = preferred.length > 0 ? preferred : within;
  if (chosen.length > 1 && oneToCommand?.(chosen) !== true) throw severalNamed(chosen, wanted, where);
  return chosen;
}

/**
 * Whether the thing is inside the construct `wanted` names (a name or a path): by its construct
 * path when its template has path metadata, else by the logical id CDK made of that path.
 */
function insideConstruct(thing: AppThing, wanted: string): boolean {
  if (thing.constructPath !== undefined) return underConstructPath(thing.constructPath, thing.stackName, wanted);
  // No path metadata: the logical id begins with the construct's id. A guess (`Order` matches OrderSaga's).
  const construct = (constructPathId(wanted, thing.stackName) ?? wanted.replace(/[^A-Za-z0-9]/g, '')).toLowerCase();
  const id = resourceName(thing.logicalId);
  // The construct's own parts end where the next part of the path begins: an upper-case letter or a digit.
  return construct !== '' && id.toLowerCase().startsWith(construct) && /^[A-Z0-9]/.test(id.slice(construct.length));
}

/**
 * Whether the construct path `wanted` (`OrderSaga`, `OrderSaga/Workflow`, `Stack/OrderSaga`)
 * is, part for part, the beginning of `constructPath` below its stack (or with its stack, by
 * its construct id or stack name), case-insensitively: `Order` is not `OrderSaga`.
 */
function underConstructPath(constructPath: string, stackName: string, wanted: string): boolean {
  const parts = constructPath.toLowerCase().split('/');
  const asked = wanted
    .toLowerCase()
    .split('/')
    .filter((part) => part !== '');
  if (asked.length === 0) return false;
  const startsWith = (from: number) => asked.length <= parts.length - from && asked.every((part, i) => parts[from + i] === part);
  const withStack = asked[0] === stackName.toLowerCase() ? [parts[0] ?? '', ...asked.slice(1)] : asked;
  return startsWith(1) || (withStack.length > 1 && withStack.every((part, i) => parts[i] === part));
}

/**
 * The one thing `wanted` names. Bad input names what would be right: a name that matches
 * nothing lists what the app has of that kind; one that matches several lists them, each by a
 * name that picks it alone (its logical id and stack).
 * @throws NoSuchName or AmbiguousName naming `where` (the option or argument) and the candidates
 */
export function oneThingNamed<T extends AppThing>(things: readonly T[], wanted: string, where: string, prefer?: (thing: T) => boolean): T {
  const named = thingsNamed(things, wanted, prefer, where);
  const only = named[0];
  if (only !== undefined && named.length === 1) return only;
  if (named.length === 0) throw noThingNamed(things, wanted, where);
  throw severalNamed(named, wanted, where);
}

/** The error for a name that names nothing: the kinds looked for and what the app has of each. */
export function noThingNamed(things: readonly AppThing[], wanted: string, where: string, kinds?: readonly string[]) {
  const looked = kinds ?? [...new Set(things.map((t) => t.kind))];
  const lists = looked.map((kind) => {
    const names = [...new Set(things.filter((t) => t.kind === kind).map((t) => t.shown))];
    return `${kind === 'bus' ? 'buses' : `${kind}s`}: ${names.join(', ') || 'none'}`;
  });
  const what = looked.length === 0 ? 'thing' : looked.join(' or ');
  return new NoSuchName(`${where}: no ${what} "${wanted}" in the app (its ${lists.join('; ')}); ${NAMED_BY}`);
}

/** The error for a name that names several things: each, and the name that picks it alone. */
export function severalNamed(named: readonly AppThing[], wanted: string, where?: string) {
  const each = named.map((t) => `${t.kind} ${t.shown} (${t.stackName === '' ? '' : `${t.stackName}/`}${t.logicalId})`);
  return new AmbiguousName(
    `${where === undefined ? '' : `${where}: `}"${wanted}" names ${named.length} things of the app: ${each.join(', ')}; name one of them (its name or logical id, as listed here)`,
  );
}

/**
 * The app's event buses, each by every name it is shown by: its classic buses
 * (`AWS::Events::EventBus`) and its Custom Event Buses (`AWS::EventsV2::EventBus`, `custom`),
 * whose Name CloudFormation requires too
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-eventsv2-eventbus.html).
 */
export function appBuses(assembly: CloudAssembly): AppBus[] {
  const of = (type: string, custom: boolean) =>
    resourcesOfType(assembly, type).map((bus): AppBus => {
      const name = typeof bus.properties.Name === 'string' ? bus.properties.Name : undefined;
      const shown = name ?? resourceName(bus.logicalId);
      return {
        kind: 'bus',
        shown,
        stackName: bus.stackName,
        logicalId: bus.logicalId,
        ...(name === undefined ? {} : { explicitName: name }),
        ...(custom ? { custom: true } : {}),
        ...constructPathOf(bus),
      };
    });
  return [...of('AWS::Events::EventBus', false), ...of(CUSTOM_EVENT_BUS_TYPE, true)];
}

/** The CloudFormation type of a Custom Event Bus (EventBridge's `eventbridgev2` API). */
export const CUSTOM_EVENT_BUS_TYPE = 'AWS::EventsV2::EventBus';

/** A bus of the app. */
export interface AppBus extends AppThing {
  /** A Custom Event Bus (`AWS::EventsV2::EventBus`), which the `eventbridgev2` API publishes to by its ARN. @default false: a classic bus */
  readonly custom?: boolean;
}
