/**
 * The names the CLI and the console show the app's resources by: the logical id without the
 * hash CDK appends, and a flow without "StateMachine". Pure, so that the browser runs it too:
 * the CLI reads logical ids from the assembly, the console finds them in deployed names.
 */

/** The 8 upper-case hex digits CDK appends to a construct path to make a logical id unique. */
const CDK_HASH = /[0-9A-F]{8}$/;

/** `TicketTriageStarterDeadLetterQueue42D22891` → `TicketTriageStarterDeadLetterQueue`. */
export function resourceName(logicalId: string): string {
  const name = logicalId.replace(CDK_HASH, '');
  return name === '' ? logicalId : name;
}

/** The name commands show and `--flow` takes: `TicketTriageStateMachineAA1A09CC` → `TicketTriage`. */
export function flowName(logicalId: string): string {
  const name = resourceName(logicalId).replace(/StateMachine$/, '');
  return name === '' ? logicalId : name;
}

/**
 * The logical id in a deployed name, for a client that sees only names: the local runtime
 * names a resource `<Stack>-<LogicalId>`, CloudFormation `<LogicalId>-<suffix>` or
 * `<Stack>-<LogicalId>-<suffix>`; logical ids have no dash, so it is the last dash-separated
 * part that ends in CDK's hash (a nested stack's name has one too, before it). Undefined for a name the template set itself, or one cut to
 * fit a length limit (no part ends in the hash).
 */
export function logicalIdIn(deployedName: string): string | undefined {
  return deployedName.split('-').findLast((part) => part.length > 8 && CDK_HASH.test(part));
}

/** A state machine's flow name from its deployed name; the deployed name when it holds no logical id. */
export function flowNameOfDeployed(deployedName: string): string {
  const logicalId = logicalIdIn(deployedName);
  return logicalId === undefined ? deployedName : flowName(logicalId);
}

/** A resource's name in the app from its deployed name (a durable function's, a queue's); the deployed name when it holds no logical id. */
export function resourceNameOfDeployed(deployedName: string): string {
  const logicalId = logicalIdIn(deployedName);
  return logicalId === undefined ? deployedName : resourceName(logicalId);
}

/**
 * Whether a deployed name is the template's resource's (a queue's, a function's, ...): the name its template sets, else the
 * local runtime's `<Stack>-<LogicalId>` or CloudFormation's `<Stack>-<LogicalId>-<suffix>`.
 */
export function physicalNameMatches(
  definition: { stackName: string; logicalId: string; explicitName?: string; fifo?: boolean },
  name: string,
): boolean {
  if (definition.explicitName !== undefined) return name === definition.explicitName;
  const bare = definition.fifo ? name.replace(/\.fifo$/, '') : name;
  if (bare === `${definition.stackName}-${definition.logicalId}`) return true;
  const stack = definition.stackName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${stack}-${definition.logicalId}-[A-Za-z0-9]{6,}$`).test(bare);
}
