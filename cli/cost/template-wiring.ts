import { ENV } from '../../contracts/wiring.js';
import { referencedId, type TemplateResource } from '../../inspect/assembly.js';
import type { AslState, DefinitionPath } from './definition-paths.js';

// How the cost model reads the template's wiring: what functions and states call and emit, and what rules match.

/** The events a function declares it publishes (ENV.emittedEvents); none if it declares nothing or nonsense. */
export function declaredEmissions(fn: TemplateResource): { source: string; detailType: string }[] {
  const env = (fn.properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
  const raw = env[ENV.emittedEvents];
  if (typeof raw !== 'string') return [];
  try {
    const list = JSON.parse(raw) as unknown;
    if (!Array.isArray(list)) return [];
    return list.filter(
      (e): e is { source: string; detailType: string } =>
        typeof e === 'object' && e !== null && typeof e.source === 'string' && typeof e.detailType === 'string',
    );
  } catch {
    // Not JSON: nonsense, which declares nothing (the function is then reported as not modelled).
    return [];
  }
}

export function lambdaTarget(state: AslState): string | undefined {
  const resource = state.Resource ?? '';
  const args = state.Arguments ?? state.Parameters ?? {};
  const direct = /^\$\{ref:([^}]+)\}$/.exec(resource)?.[1];
  if (direct) return direct;
  if (!resource.includes(':states:::lambda:invoke')) return undefined;
  const name = args.FunctionName ?? args['FunctionName.$'];
  return typeof name === 'string' ? /\$\{ref:([^}]+)\}/.exec(name)?.[1] : undefined;
}

export function putEventsEntries(state: AslState): { bus: string | undefined; source: string; detailType: string }[] {
  if (!(state.Resource ?? '').includes(':states:::events:putEvents')) return [];
  const args = state.Arguments ?? state.Parameters ?? {};
  const entries = Array.isArray(args.Entries) ? (args.Entries as Record<string, unknown>[]) : [];
  return entries.map((e) => ({
    bus: typeof e.EventBusName === 'string' ? /\$\{ref:([^}]+)\}/.exec(e.EventBusName)?.[1] : undefined,
    source: typeof e.Source === 'string' ? e.Source : 'unknown',
    detailType: typeof e.DetailType === 'string' ? e.DetailType : 'unknown',
  }));
}

/** History events an execution logs on a path: start and end, entered and exited per state, three per task. */
export function historyEvents(path: DefinitionPath): number {
  return 2 + path.states.reduce((n, s) => n + 2 + (s.Type === 'Task' ? 3 : 0), 0);
}

export function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** Whether a rule's pattern matches an event on source, detail-type and (for status changes) the state machine. */
export function matches(pattern: unknown, event: { source: string; detailType: string; stateMachine?: string }): boolean {
  const p = (pattern ?? {}) as Record<string, unknown>;
  const field = (value: unknown, actual: string) => {
    if (!Array.isArray(value)) return true;
    const exact = strings(value);
    // Content filters (prefix, anything-but, ...) are taken to match.
    return exact.length < value.length || exact.includes(actual);
  };
  if (!field(p.source, event.source) || !field(p['detail-type'], event.detailType)) return false;
  const arns = (p.detail as Record<string, unknown> | undefined)?.stateMachineArn;
  if (Array.isArray(arns) && event.stateMachine !== undefined) return arns.some((arn) => referencedId(arn) === event.stateMachine);
  return !(Array.isArray(arns) && event.stateMachine === undefined);
}
