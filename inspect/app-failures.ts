import { type AppThing, NAMED_BY, NoSuchName, thingsNamed } from '../clients/assembly/app-names.js';
import { resourceName } from '../clients/resource-names.js';
import { appFlows } from './app-flows.js';
import { type CloudAssembly, defaultCdkOut, readAssembly } from './assembly.js';
import type { Clients } from './aws.js';
import { type DeadLetterQueue, type DeadLetterSource, deadLetterQueueDefinitions, resolveQueues } from './dead-letters.js';
import { type Flow, flowThing } from './flows.js';

/** What the failure commands work on: the app's dead-letter queues and flows, as deployed in the target. */
export interface FailureSources {
  readonly assembly: CloudAssembly;
  readonly queues: DeadLetterQueue[];
  readonly flows: Flow[];
}

export async function failureSources(
  clients: Clients,
  cdkOutOption: string | undefined,
  note: (line: string) => void,
): Promise<FailureSources> {
  const assembly = readAssembly(defaultCdkOut(cdkOutOption));
  const { found, missing } = await resolveQueues(clients, deadLetterQueueDefinitions(assembly));
  for (const m of missing) note(`(dead-letter queue ${m.name} of stack ${m.stackName} is not deployed in the target)`);
  const flows = await appFlows(clients, cdkOutOption, note);
  return { assembly, queues: found, flows };
}

/**
 * The queues and flows a `<source>` names, by every name each is shown by (inspect/app-names.ts):
 * a dead-letter queue by its name as listed, logical id, queue name, URL, ARN or construct path;
 * a flow by its name, state machine name, logical id, ARN or construct path (case-insensitive).
 * Undefined selects everything; a name that matches nothing is a usage error listing the
 * known ones.
 */
export function selectSources(
  sources: FailureSources,
  selector: string | undefined,
  option = '--source',
): { queues: DeadLetterQueue[]; flows: Flow[] } {
  if (selector === undefined) return { queues: sources.queues, flows: sources.flows };
  const things: (AppThing & { queue?: DeadLetterQueue; flow?: Flow })[] = [
    ...sources.queues.map(queueThing),
    ...sources.flows.map(flowThing),
  ];
  const named = thingsNamed(things, selector, undefined, option);
  const queues = named.flatMap((thing) => thing.queue ?? []);
  const flows = named.flatMap((thing) => thing.flow ?? []);
  if (queues.length === 0 && flows.length === 0)
    throw new NoSuchName(`${option}: no source "${selector}" (${knownSources(sources)}); ${NAMED_BY}`);
  return { queues, flows };
}

/** A dead-letter queue as the one name resolver sees it. */
function queueThing(queue: DeadLetterQueue): AppThing & { readonly queue: DeadLetterQueue } {
  const { stackName, logicalId, explicitName, fifo, constructPath } = queue;
  const explicit = explicitName === undefined ? {} : { explicitName };
  return {
    kind: 'queue',
    shown: queue.name,
    stackName,
    logicalId,
    ...explicit,
    ...(constructPath === undefined ? {} : { constructPath }),
    fifo,
    deployed: [queue.queueName, queue.url, queue.arn],
    queue,
  };
}

export function knownSources(sources: FailureSources): string {
  const queues = sources.queues.map((q) => q.name).join(', ') || 'none deployed';
  const flows = sources.flows.map((f) => f.flow).join(', ') || 'none deployed';
  return `the app's dead-letter queues: ${queues}; its flows: ${flows}`;
}

/** What feeds a dead-letter queue, in a few words. */
export function describeSource(source: DeadLetterSource): string {
  switch (source.kind) {
    case 'queue':
      return `queue ${resourceName(source.queueLogicalId)}${source.maxReceiveCount ? ` (maxReceiveCount ${source.maxReceiveCount})` : ''}`;
    case 'rule-target':
      return `rule ${resourceName(source.ruleLogicalId)} -> ${source.targetLogicalId ? resourceName(source.targetLogicalId) : `target ${source.targetId}`}`;
    case 'function':
      return `function ${resourceName(source.functionLogicalId)} (${source.how === 'OnFailure' ? 'async on-failure' : 'async DLQ'})`;
    case 'subscriber':
      return `Custom Event Bus subscriber ${source.subscriberName}${source.targetLogicalId ? ` -> ${resourceName(source.targetLogicalId)}` : ''}`;
  }
}
