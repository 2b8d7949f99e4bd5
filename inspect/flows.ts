import { ListTagsForResourceCommand, paginateListStateMachines, type StateMachineListItem } from '@aws-sdk/client-sfn';
import { type AppThing, NAMED_BY, NoSuchName, thingsNamed } from '../clients/assembly/app-names.js';
import { flowName } from '../clients/resource-names.js';
import { type CloudAssembly, constructPathOf, resourcesOfType } from './assembly.js';
import { type Clients, call, pages } from './aws.js';

/** A state machine of the app as the assembly describes it. */
export interface FlowDefinition {
  /** The name commands show and `--flow` takes: the logical id without its hash and "StateMachine". */
  readonly flow: string;
  readonly stackName: string;
  readonly logicalId: string;
  readonly type: 'STANDARD' | 'EXPRESS';
  /** The StateMachineName the template sets, when it sets one. */
  readonly explicitName?: string;
  /** Whether the state machine logs its executions to a log group (Express executions can only be read there). */
  readonly logs: boolean;
  /** Its construct path, when the template has path metadata (inspect/app-names.ts matches a construct's name by it). */
  readonly constructPath?: string;
}

/** A flow found in the target, with its deployed name and ARN. */
export interface Flow extends FlowDefinition {
  readonly name: string;
  readonly arn: string;
}

export function flowDefinitions(assembly: CloudAssembly): FlowDefinition[] {
  return resourcesOfType(assembly, 'AWS::StepFunctions::StateMachine').map((r) => {
    const p = r.properties;
    const logging = p.LoggingConfiguration as { Level?: string; Destinations?: unknown[] } | undefined;
    return {
      flow: flowName(r.logicalId),
      stackName: r.stackName,
      logicalId: r.logicalId,
      type: p.StateMachineType === 'EXPRESS' ? 'EXPRESS' : 'STANDARD',
      explicitName: typeof p.StateMachineName === 'string' ? p.StateMachineName : undefined,
      logs: logging !== undefined && logging.Level !== undefined && logging.Level !== 'OFF' && (logging.Destinations?.length ?? 0) > 0,
      ...constructPathOf(r),
    };
  });
}

/**
 * Finds each of the assembly's state machines in the target, by the name it gets when
 * deployed: the template's StateMachineName if set; otherwise CloudFormation's generated
 * `<LogicalId>-<suffix>` (AWS) or the local runtime's `<Stack>-<LogicalId>`. When the same
 * logical id is deployed in several stacks of one account, the `aws:cloudformation:stack-name`
 * tag CloudFormation puts on the state machine decides.
 */
export async function resolveFlows(
  clients: Clients,
  definitions: readonly FlowDefinition[],
): Promise<{ found: Flow[]; missing: FlowDefinition[] }> {
  const machines = await listStateMachines(clients);
  const found: Flow[] = [];
  const missing: FlowDefinition[] = [];
  for (const definition of definitions) {
    let candidates = machines.filter((m) => deployedNameMatches(definition, m.name ?? ''));
    if (candidates.length > 1) candidates = await byStackTag(clients, definition, candidates);
    const machine = candidates[0];
    if (machine?.name && machine.stateMachineArn) found.push({ ...definition, name: machine.name, arn: machine.stateMachineArn });
    else missing.push(definition);
  }
  return { found, missing };
}

export function deployedNameMatches(definition: FlowDefinition, name: string): boolean {
  if (definition.explicitName !== undefined) return name === definition.explicitName;
  if (name === `${definition.stackName}-${definition.logicalId}`) return true;
  // CloudFormation's generated names: the logical id (cut to fit) and a random suffix.
  const escaped = definition.logicalId.replace(/[^A-Za-z0-9]/g, '');
  return new RegExp(`^(${escapeRegExp(definition.stackName)}-)?${escaped}-[A-Za-z0-9]{6,}$`).test(name);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

async function byStackTag(
  clients: Clients,
  definition: FlowDefinition,
  candidates: StateMachineListItem[],
): Promise<StateMachineListItem[]> {
  const matching: StateMachineListItem[] = [];
  for (const machine of candidates) {
    const { tags = [] } = await call(clients.target, () =>
      clients.sfn.send(new ListTagsForResourceCommand({ resourceArn: machine.stateMachineArn })),
    );
    if (tags.some((t) => t.key === 'aws:cloudformation:stack-name' && t.value === definition.stackName)) matching.push(machine);
  }
  return matching.length > 0 ? matching : candidates;
}

async function listStateMachines(clients: Clients): Promise<StateMachineListItem[]> {
  const machines: StateMachineListItem[] = [];
  for await (const page of pages(clients.target, paginateListStateMachines({ client: clients.sfn, pageSize: 1000 }, {}))) {
    machines.push(...(page.stateMachines ?? []));
  }
  return machines;
}

/**
 * The flows `--flow` selects, by every name a flow is shown by (inspect/app-names.ts: flow name,
 * deployed name, logical id, ARN, construct path; case-insensitive), or the flows of the
 * construct it names.
 */
export function selectFlows(flows: readonly Flow[], selector: string | undefined): Flow[] {
  if (selector === undefined) return [...flows];
  const selected = thingsNamed(flows.map(flowThing), selector, undefined, '--flow').map((thing) => thing.flow);
  if (selected.length === 0) {
    const known = flows.map((f) => f.flow).join(', ') || 'none deployed';
    throw new NoSuchName(`--flow: no flow "${selector}" (the app's flows: ${known}); ${NAMED_BY}`);
  }
  return selected;
}

/** A flow as the one name resolver sees it. */
export function flowThing(flow: Flow): AppThing & { readonly flow: Flow } {
  const explicit = flow.explicitName === undefined ? {} : { explicitName: flow.explicitName };
  const { stackName, logicalId, constructPath } = flow;
  const path = constructPath === undefined ? {} : { constructPath };
  return { kind: 'flow', shown: flow.flow, stackName, logicalId, ...explicit, ...path, deployed: [flow.name, flow.arn], flow };
}
