import { flowSettingsOf } from '../../clients/assembly/flow-control.js';
import { familyOf, foundationModelOf } from '../../clients/pricing/model-families.js';
import { flowName } from '../../clients/resource-names.js';
import { OUTBOX_ATTRIBUTE } from '../../contracts/outbox.js';
import { ENV } from '../../contracts/wiring.js';
import { type CloudAssembly, referencedId, stateMachineDefinition, type TemplateResource } from '../../inspect/assembly.js';
import type { AppUsage, CostAssumptions } from './assumptions.js';
import { type AslDefinition, type AslState, definitionPaths } from './definition-paths.js';
import { flowControlUnits, tokenBudgetsIn } from './flow-control.js';

/** Minutes in the month AWS prices by (730 hours): how full a minute's log is at a month's records. */
const MINUTES_PER_MONTH = 730 * 60;

import { expressGbSeconds, lambdaGbSeconds, type Service, type Usage } from '../../clients/pricing/price-arithmetic.js';
import { declaredEmissions, historyEvents, lambdaTarget, matches, putEventsEntries, strings } from './template-wiring.js';

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

type ArrivalOf<K extends Arrival['kind']> = Extract<Arrival, { kind: K }>;
/** What an arrival passes on to the arrivals it causes. */
type Next = { conditional: boolean; depth: number };

/** Hops (event, message, invocation, execution) followed from an entry event; a staged pipeline takes 3 a stage. */
const MAX_DEPTH = 64;
const STATUS_CHANGE = 'Step Functions Execution Status Change';

/**
 * One estimate's walk over the template (appUsage): arrivals (events, messages, invocations,
 * executions) are taken from a queue in order, each adds the usage it bills and queues the
 * arrivals it causes, until none is left.
 */
export class UsageWalk {
  readonly #byId = new Map<string, TemplateResource>();
  readonly #all: TemplateResource[];
  readonly #totals = new Map<string, Usage>();
  readonly #notModelled = new Set<string>();
  readonly #undeclaredPublishers = new Map<string, { function: string; bus: string }>();
  readonly #hot = new Map<string, { flow: string; executions: number; transitionsEach: number }>();
  readonly #definitions = new Map<string, AslDefinition>();
  readonly #queue: Arrival[] = [];

  constructor(
    assembly: CloudAssembly,
    private readonly a: CostAssumptions,
  ) {
    for (const stack of assembly.stacks) for (const r of stack.resources) this.#byId.set(r.logicalId, r);
    this.#all = [...this.#byId.values()];
    for (const m of this.#ofType('AWS::StepFunctions::StateMachine')) {
      const d = stateMachineDefinition(m);
      if (d) this.#definitions.set(m.logicalId, d as AslDefinition);
      else this.#notModelled.add(`state machine ${flowName(m.logicalId)}: its definition is not in the template`);
    }
  }

  /** Queues the entry events: what rules on the app's buses listen for that no state or function of the app emits. */
  queueEntries(): string[] {
    const { a } = this;
    const emitted = new Set<string>();
    for (const d of this.#definitions.values())
      for (const p of definitionPaths(d, a.escalationRate))
        for (const s of p.states) for (const e of putEventsEntries(s)) emitted.add(e.detailType);
    for (const fn of this.#ofType('AWS::Lambda::Function')) for (const e of declaredEmissions(fn)) emitted.add(e.detailType);
    const entries: string[] = [];
    for (const rule of this.#ofType('AWS::Events::Rule')) {
      const pattern = (rule.properties.EventPattern ?? {}) as Record<string, unknown>;
      const bus = referencedId(rule.properties.EventBusName);
      const sources = strings(pattern.source);
      const types = strings(pattern['detail-type']);
      if (bus === undefined || sources.some((s) => s.startsWith('aws.'))) continue;
      for (const detailType of types.filter((t) => !emitted.has(t))) {
        if (entries.includes(detailType) || (a.entries !== undefined && !a.entries.includes(detailType))) continue;
        entries.push(detailType);
        this.#queue.push({
          kind: 'event',
          bus,
          source: sources[0] ?? 'custom',
          detailType,
          rate: a.eventsPerMonth,
          conditional: false,
          depth: 0,
        });
      }
    }
    return entries;
  }

  /** Follows every queued arrival, and what it causes, to the end (or MAX_DEPTH hops). */
  run(): void {
    while (this.#queue.length > 0) {
      const arrival = this.#queue.shift() as Arrival;
      if (arrival.depth > MAX_DEPTH) {
        this.#notModelled.add(`a cycle of events (a rule matches what its own targets emit): cut after ${MAX_DEPTH} hops`);
        continue;
      }
      const next = { conditional: arrival.conditional, depth: arrival.depth + 1 };
      if (arrival.kind === 'event') this.#event(arrival, next);
      else if (arrival.kind === 'message') this.#message(arrival, next);
      else if (arrival.kind === 'invoke') this.#invoke(arrival, next);
      else this.#execution(arrival, next);
    }
  }

  /** The usage so far, with what the walk does not model, and an idle SQS event source mapping's polling added. */
  result(entries: readonly string[]): AppUsage {
    for (const m of this.#ofType('AWS::Lambda::EventSourceMapping')) {
      const source = this.#byId.get(referencedId(m.properties.EventSourceArn) ?? '');
      if (source?.type === 'AWS::SQS::Queue')
        this.#add('SQS', `queue ${flowName(source.logicalId)}`, 'sqs.standardRequest', this.a.idleReceivesPerMapping);
    }
    this.#notModelled.add('archives, schema registry, SNS, S3, API Gateway, data transfer and storage (tables, logs kept)');
    this.#notModelled.add(
      'failures: retries, redeliveries and dead-letter queues (each retry is another transition, request or invocation)',
    );
    return {
      usage: [...this.#totals.values()],
      entries,
      hotStandard: [...this.#hot.values()],
      notModelled: [...this.#notModelled],
      undeclaredPublishers: [...this.#undeclaredPublishers.values()],
    };
  }

  #event(arrival: ArrivalOf<'event'>, next: Next): void {
    const bus = arrival.bus === undefined ? undefined : this.#byId.get(arrival.bus);
    if (bus?.type === 'AWS::Events::EventBus')
      this.#add('EventBridge', `bus ${String(bus.properties.Name ?? bus.logicalId)}`, 'eventbridge.customEvent', arrival.rate);
    for (const rule of this.#ofType('AWS::Events::Rule')) {
      if (referencedId(rule.properties.EventBusName) !== arrival.bus) continue;
      if (!matches(rule.properties.EventPattern, arrival)) continue;
      for (const target of (rule.properties.Targets ?? []) as { Arn?: unknown }[]) {
        const t = this.#byId.get(referencedId(target.Arn) ?? '');
        if (t?.type === 'AWS::SQS::Queue') this.#queue.push({ kind: 'message', queue: t.logicalId, rate: arrival.rate, ...next });
        else if (t?.type === 'AWS::Lambda::Function')
          this.#queue.push({ kind: 'invoke', fn: t.logicalId, rate: arrival.rate, records: 1, ...next });
        else if (t?.type === 'AWS::StepFunctions::StateMachine')
          this.#queue.push({ kind: 'execution', machine: t.logicalId, rate: arrival.rate, ...next });
        else if (t?.type === 'AWS::Events::EventBus') this.#queue.push({ ...arrival, bus: t.logicalId, ...next });
        else
          this.#notModelled.add(
            `rule ${flowName(rule.logicalId)}: a target that is not a queue, function, state machine or bus in this assembly`,
          );
      }
    }
  }

  #message(arrival: ArrivalOf<'message'>, next: Next): void {
    const q = this.#byId.get(arrival.queue) as TemplateResource;
    const price = q.properties.FifoQueue === true ? 'sqs.fifoRequest' : 'sqs.standardRequest';
    const name = `queue ${flowName(q.logicalId)}`;
    this.#add('SQS', name, price, arrival.rate); // SendMessage by the rule's target
    for (const m of this.#ofType('AWS::Lambda::EventSourceMapping')) {
      if (referencedId(m.properties.EventSourceArn) !== q.logicalId) continue;
      const fn = referencedId(m.properties.FunctionName);
      const batches = arrival.rate / this.a.messagesPerBatch;
      this.#add('SQS', name, price, 2 * batches); // ReceiveMessage and DeleteMessageBatch per batch
      if (fn !== undefined && this.#byId.has(fn))
        this.#queue.push({ kind: 'invoke', fn, rate: batches, records: this.a.messagesPerBatch, ...next });
    }
  }

  #invoke(arrival: ArrivalOf<'invoke'>, next: Next): void {
    const { a } = this;
    const fn = this.#byId.get(arrival.fn) as TemplateResource;
    const p = fn.properties;
    const name = `function ${flowName(fn.logicalId)}`;
    const arm = Array.isArray(p.Architectures) && p.Architectures.includes('arm64');
    this.#add('Lambda', name, 'lambda.request', arrival.rate);
    this.#add(
      'Lambda',
      name,
      arm ? 'lambda.arm64GbSecond' : 'lambda.x86GbSecond',
      lambdaGbSeconds(arrival.rate, Number(p.MemorySize ?? 128), this.#functionMs(fn.logicalId)),
    );
    this.#add('CloudWatch Logs', `logs of ${name}`, 'logs.ingestionGb', (arrival.rate * a.lambdaLogBytes) / 1e9);
    const records = arrival.rate * arrival.records;
    for (const model of new Set(Object.values(environmentOf(fn)).flatMap((v) => foundationModelOf(v) ?? []))) {
      this.#modelCalls(model, `${name}`, records * a.modelCallsPerRecord);
    }
    const flowTable = referencedId(environmentOf(fn)[ENV.flowControlTable]);
    for (const value of Object.values(environmentOf(fn))) {
      const target = this.#byId.get(referencedId(value) ?? '');
      if (target?.type === 'AWS::StepFunctions::StateMachine')
        this.#queue.push({ kind: 'execution', machine: target.logicalId, rate: records, ...next });
      // A durable flow's starter holds its function's alias: one durable execution per record.
      if (target?.type === 'AWS::Lambda::Alias') this.#durableExecution(target, records, next);
      if (target?.type === 'AWS::DynamoDB::Table' && target.logicalId === flowTable) this.#flowControl(fn, target, records);
      else if (target?.type === 'AWS::DynamoDB::Table')
        this.#add('DynamoDB', `table ${flowName(target.logicalId)}`, 'dynamodb.writeRequestUnit', records * a.writesPerRecord);
      if (target?.type !== 'AWS::Events::EventBus') continue;
      const declared = declaredEmissions(fn);
      // A function that declares what it publishes (ENV.emittedEvents) is followed: one event of each per record.
      for (const e of declared)
        this.#queue.push({ kind: 'event', bus: target.logicalId, source: e.source, detailType: e.detailType, rate: records, ...next });
      if (declared.length > 0) continue;
      const bus = String(target.properties.Name ?? target.logicalId);
      this.#notModelled.add(`${name}: events it may put on ${bus} from its own code`);
      this.#undeclaredPublishers.set(`${fn.logicalId} ${bus}`, { function: flowName(fn.logicalId), bus });
    }
  }

  /** What flow control (its FLOW_CONTROL settings, or token budgets without them) spends in its table per record. */
  #flowControl(fn: TemplateResource, table: TemplateResource, records: number): void {
    const units = flowControlUnits(flowSettingsOf(fn), {
      perMinute: records / MINUTES_PER_MONTH,
      tokenBudgets: tokenBudgetsIn(this.#budgetTexts(fn)),
    });
    const component = `table ${flowName(table.logicalId)}: flow control of ${flowName(fn.logicalId)} (${units.parts.join(', ')} per record)`;
    this.#add('DynamoDB', component, 'dynamodb.writeRequestUnit', records * units.writes);
    this.#add('DynamoDB', component, 'dynamodb.readRequestUnit', records * units.reads);
  }

  /** Where a function's token budgets are declared: its own variables, and the definitions of the state machines that call it. */
  #budgetTexts(fn: TemplateResource): string[] {
    const texts = Object.values(environmentOf(fn)).filter((v): v is string => typeof v === 'string');
    for (const r of this.#byId.values()) {
      if (r.type !== 'AWS::StepFunctions::StateMachine') continue;
      const definition = JSON.stringify(stateMachineDefinition(r) ?? {});
      if (definition.includes(`ref:${fn.logicalId}`)) texts.push(definition);
    }
    return texts;
  }

  /**
   * Durable executions started through `alias`: their operations (an assumption: code is not
   * in the template), and one invocation of the function each; replays are not counted.
   */
  #durableExecution(alias: TemplateResource, executions: number, next: Next): void {
    const fn = this.#byId.get(referencedId(alias.properties.FunctionName) ?? '');
    if (fn?.type !== 'AWS::Lambda::Function' || fn.properties.DurableConfig === undefined) return;
    const name = `durable ${flowName(fn.logicalId)}`;
    this.#add('Lambda', name, 'lambda.durableOperation', executions * this.a.durableOperations);
    this.#notModelled.add(
      `${name}: replays (another invocation after each wait, retry delay or callback) and the execution data it writes and keeps`,
    );
    this.#queue.push({ kind: 'invoke', fn: fn.logicalId, rate: executions, records: 1, ...next });
  }

  #execution(arrival: ArrivalOf<'execution'>, next: Next): void {
    const m = this.#byId.get(arrival.machine) as TemplateResource;
    const flow = flowName(m.logicalId);
    const express = m.properties.StateMachineType === 'EXPRESS';
    const logging = m.properties.LoggingConfiguration as { Level?: string; IncludeExecutionData?: boolean } | undefined;
    const paths = this.#pathsOf(m.logicalId);
    for (const path of paths) {
      const rate = arrival.rate * path.weight;
      const conditional = arrival.conditional || path.weight < 1;
      if (express) {
        this.#add('Step Functions', `Express ${flow}`, 'stepfunctions.expressRequest', rate);
        const ms = path.states.reduce((s, st) => s + this.#stateMs(st), 0);
        this.#add('Step Functions', `Express ${flow}`, 'stepfunctions.expressGbSecond', expressGbSeconds(rate, 64, ms));
      } else {
        this.#add('Step Functions', `Standard ${flow}`, 'stepfunctions.standardTransition', rate * path.states.length);
        // Status changes (RUNNING, then SUCCEEDED) go to the default bus as AWS service events.
        this.#queue.push({
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
      if (logging?.Level === 'ALL') {
        const bytes = historyEvents(path) * this.a.stateLogBytes * (logging?.IncludeExecutionData ? 2.5 : 1);
        this.#add('CloudWatch Logs', `logs of ${express ? 'Express' : 'Standard'} ${flow}`, 'logs.ingestionGb', (rate * bytes) / 1e9);
      }
      for (const state of path.states) this.#taskEffects(state, rate, { conditional, depth: next.depth });
    }
    if (!express && !arrival.conditional) {
      const transitions = paths.reduce((s, p) => s + p.weight * p.states.length, 0);
      const prev = this.#hot.get(flow);
      this.#hot.set(flow, { flow, executions: (prev?.executions ?? 0) + arrival.rate, transitionsEach: transitions });
    }
  }

  /**
   * An item written with an announcement (OUTBOX_ATTRIBUTE: a TableOutbox's transactional
   * outbox) is an event on the bus the table's outbox pipe targets: one per write, as the
   * pipe's filter passes only the writes that carry one.
   */
  #outboxEvent(table: string | undefined, item: unknown, rate: number, next: Next): void {
    const announcement = (item as Record<string, { M?: Record<string, { S?: unknown }> }> | undefined)?.[OUTBOX_ATTRIBUTE]?.M;
    const source = announcement?.source?.S;
    const detailType = announcement?.detailType?.S;
    if (table === undefined || typeof source !== 'string' || typeof detailType !== 'string') return;
    const pipe = this.#all.find((r) => r.type === 'AWS::Pipes::Pipe' && referencedId(r.properties.Source) === table);
    const bus = referencedId(pipe?.properties.Target);
    if (bus === undefined || this.#byId.get(bus)?.type !== 'AWS::Events::EventBus') {
      this.#notModelled.add(`table ${flowName(table)}: announcements (${detailType}) with no outbox pipe to a bus`);
      return;
    }
    this.#queue.push({ kind: 'event', bus, source, detailType, rate, ...next });
  }

  /** What a Task state calls: a function, events, another workflow, a table or a queue. */
  #taskEffects(state: AslState, rate: number, next: Next): void {
    if (state.Type !== 'Task') return;
    const resource = state.Resource ?? '';
    const args = state.Arguments ?? state.Parameters ?? {};
    const ref = (v: unknown) => (typeof v === 'string' ? /\$\{ref:([^}]+)\}/.exec(v)?.[1] : undefined);
    const fn = lambdaTarget(state);
    if (fn !== undefined && this.#byId.has(fn)) this.#queue.push({ kind: 'invoke', fn, rate, records: 1, ...next });
    else if (resource.includes(':states:::events:putEvents')) {
      for (const e of putEventsEntries(state))
        this.#queue.push({ kind: 'event', bus: e.bus, source: e.source, detailType: e.detailType, rate, ...next });
    } else if (resource.includes(':states:::states:startExecution')) {
      const target = ref(args.StateMachineArn);
      if (target && this.#byId.has(target)) this.#queue.push({ kind: 'execution', machine: target, rate, ...next });
    } else if (/:states:::dynamodb:(putItem|updateItem|deleteItem)/.test(resource)) {
      const table = ref(args.TableName);
      this.#add('DynamoDB', `table ${flowName(table ?? 'unknown')}`, 'dynamodb.writeRequestUnit', rate);
      this.#outboxEvent(table, args.Item, rate, next);
    } else if (/:states:::dynamodb:getItem/.test(resource)) {
      this.#add('DynamoDB', `table ${flowName(ref(args.TableName) ?? 'unknown')}`, 'dynamodb.readRequestUnit', rate / 2);
    } else if (resource.includes(':states:::bedrock:invokeModel')) {
      const model = foundationModelOf(args.ModelId);
      if (model === undefined) this.#notModelled.add(`state ${state.name}: a model id it computes at run time (${String(args.ModelId)})`);
      else this.#modelCalls(model, `state ${state.name}`, rate);
    } else if (resource.includes(':states:::sqs:sendMessage')) {
      const target = ref(args.QueueUrl);
      if (target && this.#byId.has(target)) this.#queue.push({ kind: 'message', queue: target, rate, ...next });
    } else if (resource !== '') {
      this.#notModelled.add(`state ${state.name}: ${resource.replace(/\$\{ref:[^}]+\}/g, '…')}`);
    }
  }

  /** Tokens of `calls` model calls, priced by the model's family (input and output, on demand or batch). */
  #modelCalls(model: string, caller: string, calls: number): void {
    const family = familyOf(model, this.a.modelFamilies ?? []);
    if (family === undefined) {
      this.#notModelled.add(`${caller}: calls to ${model}, which the price table does not price`);
      return;
    }
    const batch = this.a.modelTier === 'batch';
    const component = `model ${model} (${caller})`;
    this.#add('Bedrock', component, `bedrock.${family}.${batch ? 'batchInput' : 'input'}`, calls * this.a.inputTokensPerCall);
    this.#add('Bedrock', component, `bedrock.${family}.${batch ? 'batchOutput' : 'output'}`, calls * this.a.outputTokensPerCall);
  }

  /** Billed duration of one invocation; a function that starts an Express workflow is taken to wait for it (StartSyncExecution). */
  #functionMs(id: string): number {
    let ms = this.a.functionMs;
    const fn = this.#byId.get(id);
    for (const value of Object.values(fn ? environmentOf(fn) : {})) {
      const target = this.#byId.get(referencedId(value) ?? '');
      if (target?.type === 'AWS::StepFunctions::StateMachine' && target.properties.StateMachineType === 'EXPRESS')
        ms += this.#expressMs(target.logicalId);
    }
    return ms;
  }

  #stateMs(s: AslState): number {
    if (s.Type === 'Wait') return (s.Seconds ?? 0) * 1000;
    if (s.Type !== 'Task') return 0;
    const fn = lambdaTarget(s);
    return fn !== undefined && this.#byId.has(fn) ? this.a.functionMs : this.a.serviceTaskMs;
  }

  /** An Express execution's expected duration: each path's states, weighted. */
  #expressMs(id: string): number {
    return this.#pathsOf(id).reduce((sum, p) => sum + p.weight * p.states.reduce((s, st) => s + this.#stateMs(st), 0), 0);
  }

  #pathsOf(id: string) {
    return definitionPaths(this.#definitions.get(id) ?? {}, this.a.escalationRate, this.a.itemsPerMap);
  }

  #ofType(type: string): TemplateResource[] {
    return this.#all.filter((r) => r.type === type);
  }

  #add(service: Service, component: string, price: string, quantity: number): void {
    if (quantity <= 0) return;
    const key = `${price}\u0000${component}`;
    const prev = this.#totals.get(key);
    this.#totals.set(key, { service, component, price, quantity: (prev?.quantity ?? 0) + quantity });
  }
}

function environmentOf(fn: TemplateResource): Record<string, unknown> {
  return ((fn.properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {}) as Record<string, unknown>;
}
