import { executionNameFor, idempotencyKeyOf } from '../contracts/identity.js';
import type { AnyEventContract } from '../contracts/index.js';
import { ENV } from '../contracts/wiring.js';
import { type CloudAssembly, defaultCdkOut, hasAssembly, readAssembly, referencedId, resourcesOfType } from './assembly.js';
import { contractsInAssembly } from './assembly-contracts.js';

/** A name the workflow starter would give the execution an event about `id` starts. */
export interface CandidateName {
  readonly name: string;
  /** The trigger's detail-type and the detail field that would hold the id. */
  readonly detailType: string;
  readonly field: string;
  /** The state machines (logical ids) the trigger starts, and the aliases of the durable functions it starts. */
  readonly flows: readonly string[];
}

/**
 * The names a workflow starter gives the execution of an event whose contract is keyed on
 * one field holding `id` (contracts/identity.ts: `executionNameFor` over
 * `idempotencyKeyOf`), for every trigger of the app's workflows and every required string
 * field of its contract. The assembly does not say which field a contract is keyed on, so
 * each is a candidate; a caller checks what it finds (an execution's input names the id).
 * A flow started by another flow under the starter's name (an escalation) has it too.
 */
export function candidateExecutionNames(assembly: CloudAssembly, id: string): CandidateName[] {
  // No event keyed on an empty value starts an execution (idempotencyKeyOf refuses one), so none is named after it.
  if (id === '') return [];
  const contracts = new Map(contractsInAssembly(assembly).map((c) => [c.detailType, c]));
  const names = new Map<string, CandidateName>();
  for (const [detailType, flows] of workflowTriggers(assembly)) {
    const schema = contracts.get(detailType)?.schema;
    const properties = (schema?.properties ?? {}) as Record<string, { type?: unknown }>;
    const required = Array.isArray(schema?.required) ? (schema.required as string[]) : [];
    for (const field of required.filter((f) => properties[f]?.type === 'string')) {
      const key = idempotencyKeyOf({ detailType, idempotencyFields: [field] } as unknown as AnyEventContract, {
        id: '',
        detail: { [field]: id },
      });
      const name = executionNameFor({ detailType } as AnyEventContract, key);
      const known = names.get(name);
      names.set(name, { name, detailType, field, flows: [...new Set([...(known?.flows ?? []), ...flows])] });
    }
  }
  return [...names.values()];
}

/**
 * The names of the executions a workflow starter would start about `wanted`: of a business key
 * as `switchyard executions` shows it (`OrderPlaced#orderId="O-1"`, which names one), or of
 * an id alone (`O-1`: candidateExecutionNames, from the app's assembly; none without one).
 */
export function executionNamesAbout(cdkOutOption: string | undefined, wanted: string): string[] {
  const hash = wanted.indexOf('#');
  if (hash > 0) return [executionNameFor({ detailType: wanted.slice(0, hash) } as AnyEventContract, wanted)];
  const dir = defaultCdkOut(cdkOutOption);
  return hasAssembly(dir) ? candidateExecutionNames(readAssembly(dir), wanted).map((c) => c.name) : [];
}

/**
 * Which detail-types start which state machines and durable functions: a Workflow's (or a
 * DurableFlow's) trigger is a rule that targets the queue its starter function drains, and the
 * starter names its state machine in ENV.stateMachineArn (lib/constructs/workflow.ts), or the
 * durable function's alias in ENV.durableFunctionArn (lib/constructs/durable-flow.ts), whose
 * executions it names the same way. The logical ids are the state machine's or the alias's.
 */
export function workflowTriggers(assembly: CloudAssembly): Map<string, string[]> {
  const starters = new Map<string, string>();
  for (const fn of resourcesOfType(assembly, 'AWS::Lambda::Function')) {
    const variables = (fn.properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables;
    const machine = referencedId(variables?.[ENV.stateMachineArn]) ?? referencedId(variables?.[ENV.durableFunctionArn]);
    if (machine !== undefined) starters.set(fn.logicalId, machine);
  }
  const queues = new Map<string, string>();
  for (const mapping of resourcesOfType(assembly, 'AWS::Lambda::EventSourceMapping')) {
    const machine = starters.get(referencedId(mapping.properties.FunctionName) ?? '');
    const queue = referencedId(mapping.properties.EventSourceArn);
    if (machine !== undefined && queue !== undefined) queues.set(queue, machine);
  }
  const triggers = new Map<string, string[]>();
  for (const rule of resourcesOfType(assembly, 'AWS::Events::Rule')) {
    const types = (rule.properties.EventPattern as { 'detail-type'?: unknown } | undefined)?.['detail-type'];
    const targets = Array.isArray(rule.properties.Targets) ? (rule.properties.Targets as { Arn?: unknown }[]) : [];
    for (const target of targets) {
      const machine = queues.get(referencedId(target.Arn) ?? '');
      if (machine === undefined || !Array.isArray(types)) continue;
      for (const type of types.filter((t): t is string => typeof t === 'string')) {
        triggers.set(type, [...new Set([...(triggers.get(type) ?? []), machine])]);
      }
    }
  }
  return triggers;
}
