import { ENV } from '../../contracts/wiring.js';
import type { DeclaredFlowSettings } from '../flow-control.js';
import { resourceName } from '../resource-names.js';
import { type CloudAssembly, referencedId, resourcesOfType, type TemplateResource } from './template.js';

/** A function of the template that uses a flow control table, and the flow control it declares (a QueueConsumer's). */
export interface FlowControlFunction {
  readonly stackName: string;
  readonly logicalId: string;
  /** Its short name (the logical id without CDK's hash). */
  readonly name: string;
  /** The logical id of the table in its ENV.flowControlTable. */
  readonly table: string;
  /** ENV.flowControl's settings; absent for a function that only draws on token budgets (an AgentGraph's model step). */
  readonly settings?: DeclaredFlowSettings;
}

/**
 * The functions of the app that use flow control, read from their environment: the table
 * (ENV.flowControlTable, a Ref) and the settings (ENV.flowControl, JSON). How `switchyard
 * flow` finds the tables to read and `switchyard cost` which consumers pay for it.
 */
export function flowControlFunctions(assembly: CloudAssembly): FlowControlFunction[] {
  const out: FlowControlFunction[] = [];
  for (const fn of resourcesOfType(assembly, 'AWS::Lambda::Function')) {
    const table = referencedId(environmentOf(fn)[ENV.flowControlTable]);
    if (table === undefined) continue;
    const settings = flowSettingsOf(fn);
    out.push({
      stackName: fn.stackName,
      logicalId: fn.logicalId,
      name: resourceName(fn.logicalId),
      table,
      ...(settings ? { settings } : {}),
    });
  }
  return out;
}

/** A function's ENV.flowControl settings, or undefined when it has none (or they are not plain JSON in the template). */
export function flowSettingsOf(fn: TemplateResource): DeclaredFlowSettings | undefined {
  const raw = environmentOf(fn)[ENV.flowControl];
  if (typeof raw !== 'string') return undefined;
  try {
    const value = JSON.parse(raw) as DeclaredFlowSettings;
    return typeof value?.flow === 'string' ? value : undefined;
  } catch {
    // Not JSON: the kit refuses it at cold start; nothing here to read.
    return undefined;
  }
}

function environmentOf(fn: TemplateResource): Record<string, unknown> {
  return (fn.properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
}
