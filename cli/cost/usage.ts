import { ENV } from '../../contracts/wiring.js';
import { type CloudAssembly, referencedId, stateMachineDefinition, type TemplateResource } from '../assembly.js';
import { flowName } from '../flows.js';
import { type AslDefinition, type AslState, type DefinitionPath, definitionPaths } from './definition-paths.js';
import { expressGbSeconds, lambdaGbSeconds, type Service, type Usage } from './model.js';

/** What the estimate takes as given; each is printed with the estimate. */
export interface CostAssumptions {
  readonly eventsPerMonth: number;
  /** Share of executions that take an escalating branch (a task token or a started workflow). */
  readonly escalationRate: number;
  /** Billed duration of one Lambda invocation, besides any Express execution it waits for. */
  readonly functionMs: number;
  /** Duration of a non-Lambda task (PutEvents, StartExecution, DynamoDB) inside an Express execution. */
  readonly serviceTaskMs: number;
  /** Messages per Lambda batch from SQS: 1 is the worst case (traffic that trickles in). */
  readonly messagesPerBatch: number;
  /** Log bytes per Lambda invocation (START, END, REPORT and a few structured lines). */
  readonly lambdaLogBytes: number;
  /** Log bytes per execution history event in a state machine's log group (level ALL, no execution data). */
  readonly stateLogBytes: number;
  /** DynamoDB writes per record a function with a table handles: Powertools idempotency claims, then completes. */
  readonly writesPerRecord: number;
  /** ReceiveMessage calls an idle SQS event source mapping makes a month: 5 pollers, a 20 s long poll each. */
  readonly idleReceivesPerMapping: number;
  /** Items each Map state iterates over (inline or distributed): its iteration's states count this many times. */
  readonly itemsPerMap: number;
  /** The entry events to follow, each at `eventsPerMonth`; every entry event of the app when absent. */
  readonly entries?: readonly string[];
}

export const DEFAULT_ASSUMPTIONS: CostAssumptions = {
  eventsPerMonth: 1_000_000,
  escalationRate: 0.2,
  functionMs: 100,
  serviceTaskMs: 50,
  messagesPerBatch: 1,
  lambdaLogBytes: 1000,
  stateLogBytes: 400,
  writesPerRecord: 2,
  idleReceivesPerMapping: 5 * 3 * 60 * 24 * 30,
  itemsPerMap: 3,
};

export interface AppUsage {
  readonly usage: Usage[];
  /** The app's entry events: detail-types rules listen for that nothing in the app emits. */
  readonly entries: readonly string[];
  /** Standard workflows started for every entry event (no Choice between the event and them). */
  readonly hotStandard: readonly { flow: string; executions: number; transitionsEach: number }[];
  readonly notModelled: readonly string[];
}

type Arrival =
  | {
      kind: 'event';
      bus: string | undefined;
      source: string;
      detailType: string;
      stateMachine?: string;
      rate: number;
      conditional: boolean;
      depth: number;
    }
  | { kind: 'message'; queue: string; rate: number; conditional: boolean; depth: number }
  | { kind: 'invoke'; fn: string; rate: number; records: number; conditional: boolean; depth: number }
  | { kind: 'execution'; machine: string; rate: number; conditional: boolean; depth: number };

/** Hops (event, message, invocation, execution) followed from an entry event; a staged pipeline takes 3 a stage. */
const MAX_DEPTH = 64;
const STATUS_CHANGE = 'Step Functions Execution Status Change';

/**
 * Derives monthly usage from the template's wiring: entry events on the buses, the rules
 * they match, the queues, event source mappings and functions that follow, the state
 * machines those start (each path of the definition weighted), and what those states call.
 */
export function appUsage(assembly: CloudAssembly, a: CostAssumptions): AppUsage {
  const byId = new Map<string, TemplateResource>();
  for (const stack of assembly.stacks) for (const r of stack.resources) byId.set(r.logicalId, r);
  const all = [...byId.values()];
  const ofType = (type: string) => all.filter((r) => r.type === type);
  const totals = new Map<string, Usage>();
  const add = (service: Service, component: string, price: string, quantity: number) => {
    if (quantity <= 0) return;
    const key = `${price}\u0000${component}`;
    const prev = totals.get(key);
    totals.set(key, { service, component, price, quantity: (prev?.quantity ?? 0) + quantity });
  };
  const notModelled = new Set<string>();
  const hot = new Map<string, { flow: string; executions: number; transitionsEach: number }>();

  const definitions = new Map<string, AslDefinition>();
  for (const m of ofType('AWS::StepFunctions::StateMachine')) {
    const d = stateMachineDefinition(m);
    if (d) definitions.set(m.logicalId, d as AslDefinition);
    else notModelled.add(`state machine ${flowName(m.logicalId)}: its definition is not in the template`);
  }
  const pathsOf = (id: string) => definitionPaths(definitions.get(id) ?? {}, a.escalationRate, a.itemsPerMap);

  // Entry events: what rules on the app's buses listen for that no state of the app emits.
  const emitted = new Set<string>();
  for (const d of definitions.values())
    for (const p of definitionPaths(d, a.escalationRate))
      for (const s of p.states) for (const e of putEventsEntries(s)) emitted.add(e.detailType);
  for (const fn of ofType('AWS::Lambda::Function')) for (const e of declaredEmissions(fn)) emitted.add(e.detailType);
  const queue: Arrival[] = [];
  const entries: string[] = [];
  for (const rule of ofType('AWS::Events::Rule')) {
    const pattern = (rule.properties.EventPattern ?? {}) as Record<string, unknown>;
    const bus = referencedId(rule.properties.EventBusName);
    const sources = strings(pattern.source);
    const types = strings(pattern['detail-type']);
    if (bus === undefined || sources.some((s) => s.startsWith('aws.'))) continue;
    for (const detailType of types.filter((t) => !emitted.has(t))) {
      if (entries.includes(detailType) || (a.entries !== undefined && !a.entries.includes(detailType))) continue;
      entries.push(detailType);
      queue.push({ kind: 'event', bus, source: sources[0] ?? 'custom', detailType, rate: a.eventsPerMonth, conditional: false, depth: 0 });
    }
  }

  const functionName = (id: string) => flowName(id);
  const fnDuration = (id: string): number => {
    const env = ((byId.get(id)?.properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {}) as Record<
      string,
      unknown
    >;
    let ms = a.functionMs;
    for (const value of Object.values(env)) {
      const target = byId.get(referencedId(value) ?? '');
      // A function that starts an Express workflow is taken to wait for it (StartSyncExecution).
      if (target?.type === 'AWS::StepFunctions::StateMachine' && target.properties.StateMachineType === 'EXPRESS')
        ms += expressMs(target.logicalId);
    }
    return ms;
  };
  const stateMs = (s: AslState): number => {
    if (s.Type === 'Wait') return (s.Seconds ?? 0) * 1000;
    if (s.Type !== 'Task') return 0;
    const fn = lambdaTarget(s);
    return fn !== undefined && byId.has(fn) ? a.functionMs : a.serviceTaskMs;
  };
  const expressMs = (id: string) => pathsOf(id).reduce((sum, p) => sum + p.weight * p.states.reduce((s, st) => s + stateMs(st), 0), 0);

  while (queue.length > 0) {
    const arrival = queue.shift() as Arrival;
    if (arrival.depth > MAX_DEPTH) {
      notModelled.add(`a cycle of events (a rule matches what its own targets emit): cut after ${MAX_DEPTH} hops`);
      continue;
    }
    const next = { conditional: arrival.conditional, depth: arrival.depth + 1 };
    switch (arrival.kind) {
      case 'event': {
        const bus = arrival.bus === undefined ? undefined : byId.get(arrival.bus);
        if (bus?.type === 'AWS::Events::EventBus')
          add('EventBridge', `bus ${String(bus.properties.Name ?? bus.logicalId)}`, 'eventbridge.customEvent', arrival.rate);
        for (const rule of ofType('AWS::Events::Rule')) {
          if (referencedId(rule.properties.EventBusName) !== arrival.bus) continue;
          if (!matches(rule.properties.EventPattern, arrival)) continue;
          for (const target of (rule.properties.Targets ?? []) as { Arn?: unknown }[]) {
            const t = byId.get(referencedId(target.Arn) ?? '');
            if (t?.type === 'AWS::SQS::Queue') queue.push({ kind: 'message', queue: t.logicalId, rate: arrival.rate, ...next });
            else if (t?.type === 'AWS::Lambda::Function')
              queue.push({ kind: 'invoke', fn: t.logicalId, rate: arrival.rate, records: 1, ...next });
            else if (t?.type === 'AWS::StepFunctions::StateMachine')
              queue.push({ kind: 'execution', machine: t.logicalId, rate: arrival.rate, ...next });
            else if (t?.type === 'AWS::Events::EventBus') queue.push({ ...arrival, bus: t.logicalId, ...next });
            else
              notModelled.add(
                `rule ${flowName(rule.logicalId)}: a target that is not a queue, function, state machine or bus in this assembly`,
              );
          }
        }
        break;
      }
      case 'message': {
        const q = byId.get(arrival.queue) as TemplateResource;
        const price = q.properties.FifoQueue === true ? 'sqs.fifoRequest' : 'sqs.standardRequest';
        const name = `queue ${flowName(q.logicalId)}`;
        add('SQS', name, price, arrival.rate); // SendMessage by the rule's target
        for (const m of ofType('AWS::Lambda::EventSourceMapping')) {
          if (referencedId(m.properties.EventSourceArn) !== q.logicalId) continue;
          const fn = referencedId(m.properties.FunctionName);
          const batches = arrival.rate / a.messagesPerBatch;
          add('SQS', name, price, 2 * batches); // ReceiveMessage and DeleteMessageBatch per batch
          if (fn !== undefined && byId.has(fn)) queue.push({ kind: 'invoke', fn, rate: batches, records: a.messagesPerBatch, ...next });
        }
        break;
      }
      case 'invoke': {
        const fn = byId.get(arrival.fn) as TemplateResource;
        const p = fn.properties;
        const name = `function ${functionName(fn.logicalId)}`;
        const arm = Array.isArray(p.Architectures) && p.Architectures.includes('arm64');
        add('Lambda', name, 'lambda.request', arrival.rate);
        add(
          'Lambda',
          name,
          arm ? 'lambda.arm64GbSecond' : 'lambda.x86GbSecond',
          lambdaGbSeconds(arrival.rate, Number(p.MemorySize ?? 128), fnDuration(fn.logicalId)),
        );
        add('CloudWatch Logs', `logs of ${name}`, 'logs.ingestionGb', (arrival.rate * a.lambdaLogBytes) / 1e9);
        const env = ((p.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {}) as Record<string, unknown>;
        const records = arrival.rate * arrival.records;
        for (const value of Object.values(env)) {
          const target = byId.get(referencedId(value) ?? '');
          if (target?.type === 'AWS::StepFunctions::StateMachine')
            queue.push({ kind: 'execution', machine: target.logicalId, rate: records, ...next });
          if (target?.type === 'AWS::DynamoDB::Table')
            add('DynamoDB', `table ${flowName(target.logicalId)}`, 'dynamodb.writeRequestUnit', records * a.writesPerRecord);
          if (target?.type !== 'AWS::Events::EventBus') continue;
          const declared = declaredEmissions(fn);
          // A function that declares what it publishes (ENV.emittedEvents) is followed: one event of each per record.
          for (const e of declared)
            queue.push({ kind: 'event', bus: target.logicalId, source: e.source, detailType: e.detailType, rate: records, ...next });
          if (declared.length === 0)
            notModelled.add(`${name}: events it may put on ${String(target.properties.Name ?? target.logicalId)} from its own code`);
        }
        break;
      }
      case 'execution': {
        const m = byId.get(arrival.machine) as TemplateResource;
        const flow = flowName(m.logicalId);
        const express = m.properties.StateMachineType === 'EXPRESS';
        const logging = m.properties.LoggingConfiguration as { Level?: string; IncludeExecutionData?: boolean } | undefined;
        const logsAll = logging?.Level === 'ALL';
        const paths = pathsOf(m.logicalId);
        for (const path of paths) {
          const rate = arrival.rate * path.weight;
          const conditional = arrival.conditional || path.weight < 1;
          if (express) {
            add('Step Functions', `Express ${flow}`, 'stepfunctions.expressRequest', rate);
            const ms = path.states.reduce((s, st) => s + stateMs(st), 0);
            add('Step Functions', `Express ${flow}`, 'stepfunctions.expressGbSecond', expressGbSeconds(rate, 64, ms));
          } else {
            add('Step Functions', `Standard ${flow}`, 'stepfunctions.standardTransition', rate * path.states.length);
            // Status changes (RUNNING, then SUCCEEDED) go to the default bus as AWS service events.
            queue.push({
              kind: 'event',
              bus: undefined,
              source: 'aws.states',
              detailType: STATUS_CHANGE,
              stateMachine: m.logicalId,
              rate: 2 * rate,
              conditional,
              depth: next.depth,
            });
          }
          if (logsAll) {
            const bytes = historyEvents(path) * a.stateLogBytes * (logging?.IncludeExecutionData ? 2.5 : 1);
            add('CloudWatch Logs', `logs of ${express ? 'Express' : 'Standard'} ${flow}`, 'logs.ingestionGb', (rate * bytes) / 1e9);
          }
          for (const state of path.states) taskEffects(state, rate, { conditional, depth: next.depth });
        }
        if (!express && !arrival.conditional) {
          const transitions = paths.reduce((s, p) => s + p.weight * p.states.length, 0);
          const prev = hot.get(flow);
          hot.set(flow, { flow, executions: (prev?.executions ?? 0) + arrival.rate, transitionsEach: transitions });
        }
        break;
      }
    }
  }

  function taskEffects(state: AslState, rate: number, next: { conditional: boolean; depth: number }) {
    if (state.Type !== 'Task') return;
    const resource = state.Resource ?? '';
    const args = state.Arguments ?? state.Parameters ?? {};
    const ref = (v: unknown) => (typeof v === 'string' ? /\$\{ref:([^}]+)\}/.exec(v)?.[1] : undefined);
    const fn = lambdaTarget(state);
    if (fn !== undefined && byId.has(fn)) queue.push({ kind: 'invoke', fn, rate, records: 1, ...next });
    else if (resource.includes(':states:::events:putEvents')) {
      for (const e of putEventsEntries(state))
        queue.push({ kind: 'event', bus: e.bus, source: e.source, detailType: e.detailType, rate, ...next });
    } else if (resource.includes(':states:::states:startExecution')) {
      const target = ref(args.StateMachineArn);
      if (target && byId.has(target)) queue.push({ kind: 'execution', machine: target, rate, ...next });
    } else if (/:states:::dynamodb:(putItem|updateItem|deleteItem)/.test(resource)) {
      add('DynamoDB', `table ${flowName(ref(args.TableName) ?? 'unknown')}`, 'dynamodb.writeRequestUnit', rate);
    } else if (/:states:::dynamodb:getItem/.test(resource)) {
      add('DynamoDB', `table ${flowName(ref(args.TableName) ?? 'unknown')}`, 'dynamodb.readRequestUnit', rate / 2);
    } else if (resource.includes(':states:::sqs:sendMessage')) {
      const target = ref(args.QueueUrl);
      if (target && byId.has(target)) queue.push({ kind: 'message', queue: target, rate, ...next });
    } else if (resource !== '') {
      notModelled.add(`state ${state.name}: ${resource.replace(/\$\{ref:[^}]+\}/g, '…')}`);
    }
  }

  for (const m of ofType('AWS::Lambda::EventSourceMapping')) {
    const source = byId.get(referencedId(m.properties.EventSourceArn) ?? '');
    if (source?.type === 'AWS::SQS::Queue')
      add('SQS', `queue ${flowName(source.logicalId)}`, 'sqs.standardRequest', a.idleReceivesPerMapping);
  }
  notModelled.add('archives, schema registry, SNS, S3, API Gateway, data transfer and storage (tables, logs kept)');
  notModelled.add('failures: retries, redeliveries and dead-letter queues (each retry is another transition, request or invocation)');
  return { usage: [...totals.values()], entries, hotStandard: [...hot.values()], notModelled: [...notModelled] };
}

/** The events a function declares it publishes (ENV.emittedEvents); none if it declares nothing or nonsense. */
function declaredEmissions(fn: TemplateResource): { source: string; detailType: string }[] {
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
    return [];
  }
}

function lambdaTarget(state: AslState): string | undefined {
  const resource = state.Resource ?? '';
  const args = state.Arguments ?? state.Parameters ?? {};
  const direct = /^\$\{ref:([^}]+)\}$/.exec(resource)?.[1];
  if (direct) return direct;
  if (!resource.includes(':states:::lambda:invoke')) return undefined;
  const name = args.FunctionName ?? args['FunctionName.$'];
  return typeof name === 'string' ? /\$\{ref:([^}]+)\}/.exec(name)?.[1] : undefined;
}

function putEventsEntries(state: AslState): { bus: string | undefined; source: string; detailType: string }[] {
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
function historyEvents(path: DefinitionPath): number {
  return 2 + path.states.reduce((n, s) => n + 2 + (s.Type === 'Task' ? 3 : 0), 0);
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** Whether a rule's pattern matches an event on source, detail-type and (for status changes) the state machine. */
function matches(pattern: unknown, event: { source: string; detailType: string; stateMachine?: string }): boolean {
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
