import {
  type EventSourceMappingConfiguration,
  GetEventSourceMappingCommand,
  paginateListEventSourceMappings,
  UpdateEventSourceMappingCommand,
} from '@aws-sdk/client-lambda';
import type { ScheduleSummary } from '@aws-sdk/client-scheduler';
import type { PauseAnswer, PausedConsumer, PauseOutcomeView, PauseTargetView } from '../clients/read-api-contract.js';
import type { CloudAssembly } from './assembly.js';
import { type Clients, call, pages } from './aws.js';
import { type Consumer, consumerKey, pauseTargets, selectPauseTargets } from './consumers.js';
import { physicalNameMatches } from './dead-letters.js';
import { CliError } from './errors.js';

/** A consumer of the app as the target has it now. */
export interface ConsumerState {
  readonly consumer: Consumer;
  /** How the target names it: the mapping's UUID, the schedule's `<group>/<name>`, the rule's name. */
  readonly id: string;
  /** Its state in the service's words: Enabled, Disabling, Disabled, ... (Lambda); ENABLED, DISABLED (Scheduler, EventBridge). */
  readonly state: string;
  /** Whether it takes nothing now (disabled, or disabling). */
  readonly stopped: boolean;
  /** When it last changed (a mapping's LastModified, a schedule's LastModificationDate); rules keep no such time. */
  readonly since?: Date;
}

/** What a pause or resume did to one consumer. */
export interface PauseOutcome extends ConsumerState {
  /** False when it already was as asked (a pause asked twice), or the template disables it (left alone). */
  readonly changed: boolean;
}

const STOPPED_MAPPING = new Set(['Disabled', 'Disabling']);

/**
 * Each consumer as the target has it, found by the names it gets when deployed (the template's,
 * or `<Stack>-<LogicalId>` locally and CloudFormation's `<Stack>-<LogicalId>-<suffix>`): the
 * mappings with one ListEventSourceMappings, the schedules with ListSchedules, the scheduled
 * rules with ListRules on the default bus (where every scheduled rule is).
 */
export async function consumerStates(
  clients: Clients,
  consumers: readonly Consumer[],
): Promise<{ found: ConsumerState[]; missing: Consumer[] }> {
  const found: ConsumerState[] = [];
  const missing: Consumer[] = [];
  const mappings = consumers.some((c) => c.kind === 'mapping') ? await listMappings(clients) : [];
  const schedules = consumers.some((c) => c.kind === 'schedule') ? await listSchedules(clients) : [];
  const rules = consumers.some((c) => c.kind === 'rule') ? await listScheduledRules(clients) : [];
  for (const consumer of consumers) {
    const state = stateOf(consumer, { mappings, schedules, rules });
    if (state === undefined) missing.push(consumer);
    else found.push(state);
  }
  return { found, missing };
}

/**
 * Pauses (`stop`) or resumes each consumer through its service's own API: UpdateEventSourceMapping
 * with Enabled, UpdateSchedule with State (and the rest of the schedule as GetSchedule gives
 * it, since UpdateSchedule replaces every member), DisableRule/EnableRule. One already as
 * asked is left as it is, and so is one the template itself disables: a resume does not
 * start what the app's author turned off.
 */
export async function setStopped(clients: Clients, states: readonly ConsumerState[], stop: boolean): Promise<PauseOutcome[]> {
  const outcomes: PauseOutcome[] = [];
  for (const current of states) {
    if (current.stopped === stop || !current.consumer.enabledInTemplate) outcomes.push({ ...current, changed: false });
    else outcomes.push({ ...(await change(clients, current, stop)), changed: true });
  }
  return outcomes;
}

async function change(clients: Clients, current: ConsumerState, stop: boolean): Promise<ConsumerState> {
  const { consumer, id } = current;
  const { target } = clients;
  switch (consumer.kind) {
    case 'mapping': {
      const answer = await call(target, () => clients.lambda.send(new UpdateEventSourceMappingCommand({ UUID: id, Enabled: !stop })));
      return mappingState(consumer, answer);
    }
    case 'schedule': {
      // Loaded only for an app with schedules (the flow command reads consumers too).
      const { GetScheduleCommand, UpdateScheduleCommand } = await import('@aws-sdk/client-scheduler');
      const [group, name] = splitScheduleId(id);
      const s = await call(target, () => clients.scheduler.send(new GetScheduleCommand({ Name: name, GroupName: group })));
      const State = stop ? 'DISABLED' : 'ENABLED';
      const update = new UpdateScheduleCommand({
        Name: name,
        GroupName: group,
        ScheduleExpression: s.ScheduleExpression,
        ScheduleExpressionTimezone: s.ScheduleExpressionTimezone,
        StartDate: s.StartDate,
        EndDate: s.EndDate,
        Description: s.Description,
        KmsKeyArn: s.KmsKeyArn,
        Target: s.Target,
        FlexibleTimeWindow: s.FlexibleTimeWindow,
        ActionAfterCompletion: s.ActionAfterCompletion,
        State,
      });
      await call(target, () => clients.scheduler.send(update));
      const after = await call(target, () => clients.scheduler.send(new GetScheduleCommand({ Name: name, GroupName: group })));
      return { consumer, id, state: after.State ?? State, stopped: after.State === 'DISABLED', since: after.LastModificationDate };
    }
    case 'rule': {
      const { DescribeRuleCommand, DisableRuleCommand, EnableRuleCommand } = await import('@aws-sdk/client-eventbridge');
      await call(target, () => clients.events.send(stop ? new DisableRuleCommand({ Name: id }) : new EnableRuleCommand({ Name: id })));
      const after = await call(target, () => clients.events.send(new DescribeRuleCommand({ Name: id })));
      return { consumer, id, state: after.State ?? '-', stopped: after.State === 'DISABLED' };
    }
  }
}

/**
 * Waits until each mapping a pause or resume changed has settled (Disabled: its batches in
 * flight ended and it receives nothing more; Enabled: it polls), asking `wait` to poll: the
 * testing API's poll, or the CLI's (pause --wait). Schedules and rules change at once.
 */
export async function settle(
  clients: Clients,
  outcomes: readonly PauseOutcome[],
  stop: boolean,
  wait: (check: () => Promise<ConsumerState | undefined>, what: string, seen: () => Promise<string>) => Promise<ConsumerState>,
): Promise<PauseOutcome[]> {
  const settled: PauseOutcome[] = [];
  for (const outcome of outcomes) {
    if (outcome.consumer.kind !== 'mapping' || !outcome.changed) {
      settled.push(outcome);
      continue;
    }
    const resting = stop ? 'Disabled' : 'Enabled';
    const now = await wait(
      async () => {
        const state = await mappingNow(clients, outcome);
        return state.state === resting ? state : undefined;
      },
      `${outcome.consumer.label} to be ${resting}`,
      async () => (await mappingNow(clients, outcome)).state,
    );
    settled.push({ ...outcome, ...now });
  }
  return settled;
}

/** A mapping's state now (GetEventSourceMapping), for one that is settling (Disabling, Enabling). */
export async function mappingNow(clients: Clients, state: ConsumerState): Promise<ConsumerState> {
  const answer = await call(clients.target, () => clients.lambda.send(new GetEventSourceMappingCommand({ UUID: state.id })));
  return mappingState(state.consumer, answer);
}

function stateOf(
  consumer: Consumer,
  listed: { mappings: EventSourceMappingConfiguration[]; schedules: ScheduleSummary[]; rules: { name: string; state: string }[] },
): ConsumerState | undefined {
  switch (consumer.kind) {
    case 'mapping': {
      const mapping = listed.mappings.find(
        (m) =>
          physicalNameMatches(consumer.queue, lastPart(m.EventSourceArn, ':')) &&
          physicalNameMatches(consumer.function, (m.FunctionArn ?? '').split(':')[6] ?? ''),
      );
      return mapping && mappingState(consumer, mapping);
    }
    case 'schedule': {
      const schedule = listed.schedules.find((s) => s.GroupName === consumer.group && physicalNameMatches(consumer.resource, s.Name ?? ''));
      if (schedule === undefined) return undefined;
      const { State = 'ENABLED', LastModificationDate } = schedule;
      return {
        consumer,
        id: `${consumer.group}/${schedule.Name}`,
        state: State,
        stopped: State === 'DISABLED',
        ...(LastModificationDate ? { since: LastModificationDate } : {}),
      };
    }
    case 'rule': {
      const rule = listed.rules.find((r) => physicalNameMatches(consumer.resource, r.name));
      return rule && { consumer, id: rule.name, state: rule.state, stopped: rule.state === 'DISABLED' };
    }
  }
}

function mappingState(consumer: Consumer, mapping: EventSourceMappingConfiguration): ConsumerState {
  const state = mapping.State ?? '-';
  return {
    consumer,
    id: mapping.UUID ?? '',
    state,
    stopped: STOPPED_MAPPING.has(state),
    ...(mapping.LastModified ? { since: mapping.LastModified } : {}),
  };
}

async function listMappings(clients: Clients): Promise<EventSourceMappingConfiguration[]> {
  const mappings: EventSourceMappingConfiguration[] = [];
  for await (const page of pages(clients.target, paginateListEventSourceMappings({ client: clients.lambda }, {}))) {
    mappings.push(...(page.EventSourceMappings ?? []));
  }
  return mappings;
}

async function listSchedules(clients: Clients): Promise<ScheduleSummary[]> {
  const { paginateListSchedules } = await import('@aws-sdk/client-scheduler');
  const schedules: ScheduleSummary[] = [];
  for await (const page of pages(clients.target, paginateListSchedules({ client: clients.scheduler }, {}))) {
    schedules.push(...(page.Schedules ?? []));
  }
  return schedules;
}

/** The default bus's rules with a schedule expression (EventBridge's ListRules has no paginator in the SDK). */
async function listScheduledRules(clients: Clients): Promise<{ name: string; state: string }[]> {
  const { ListRulesCommand } = await import('@aws-sdk/client-eventbridge');
  const rules: { name: string; state: string }[] = [];
  let NextToken: string | undefined;
  do {
    const page = await call(clients.target, () => clients.events.send(new ListRulesCommand({ NextToken })));
    for (const rule of page.Rules ?? []) {
      if (rule.Name && rule.ScheduleExpression) rules.push({ name: rule.Name, state: rule.State ?? 'ENABLED' });
    }
    NextToken = page.NextToken;
  } while (NextToken);
  return rules;
}

function splitScheduleId(id: string): [group: string, name: string] {
  const at = id.indexOf('/');
  return [id.slice(0, at), id.slice(at + 1)];
}

function lastPart(text: string | undefined, separator: string): string {
  return (text ?? '').split(separator).at(-1) ?? '';
}

/** What `switchyard pause` and `resume` did, as `--json` prints it and the testing API answers it. */
export interface PauseReport {
  readonly action: 'pause' | 'resume';
  /** The flows, functions and queues the name named. */
  readonly targets: readonly { readonly name: string; readonly kind: string }[];
  readonly consumers: readonly PauseOutcome[];
  /** The consumers the template has and the target does not (not deployed). */
  readonly missing: readonly string[];
}

/**
 * Pauses (`stop`) or resumes what `name` names in the app (a flow, a function or a queue; see
 * pauseTargets): each of its consumers once, however many of the named targets share it.
 * @throws CliError for a name the app does not have, or whose consumers are not deployed
 */
export async function pauseOrResume(clients: Clients, assembly: CloudAssembly, name: string, stop: boolean): Promise<PauseReport> {
  const targets = selectPauseTargets(pauseTargets(assembly), name);
  const consumers = [...new Map(targets.flatMap((t) => t.consumers).map((c) => [consumerKey(c), c])).values()];
  const { found, missing } = await consumerStates(clients, consumers);
  if (found.length === 0) {
    throw new CliError(
      `none of ${name}'s consumers is deployed in the target (${missing.map((c) => c.label).join(', ')}): is the app deployed?`,
    );
  }
  return {
    action: stop ? 'pause' : 'resume',
    targets: targets.map((t) => ({ name: t.name, kind: t.kind })),
    consumers: await setStopped(clients, found, stop),
    missing: missing.map((c) => c.label),
  };
}

/** A report as `switchyard pause --json` prints it and the read API's POST /pauses answers it. */
export function pauseReportJson(report: PauseReport): PauseAnswer {
  return { ...report, consumers: report.consumers.map(outcomeJson) };
}

function outcomeJson(outcome: PauseOutcome): PauseOutcomeView {
  return { ...consumerJson(outcome), changed: outcome.changed };
}

function consumerJson({ consumer, id, state, since }: ConsumerState): PausedConsumer {
  return {
    consumer: consumer.label,
    kind: consumer.kind,
    id,
    state,
    ...(since ? { since: since.toISOString() } : {}),
    enabledInTemplate: consumer.enabledInTemplate,
  };
}

/**
 * What `switchyard pause` can pause in the app and each one's consumers as the target has them
 * (the read API's GET /pauses): a consumer is paused when it takes nothing now though its
 * template enables it, as `switchyard flow` shows it. One not deployed is left out.
 */
export async function pauseTargetStates(clients: Clients, assembly: CloudAssembly): Promise<PauseTargetView[]> {
  const targets = pauseTargets(assembly);
  const { found } = await consumerStates(clients, [...new Set(targets.flatMap((t) => t.consumers))]);
  const byConsumer = new Map(found.map((state) => [state.consumer, state]));
  return targets.flatMap((target) => {
    const consumers = target.consumers.flatMap((consumer) => {
      const state = byConsumer.get(consumer);
      if (state === undefined) return [];
      return [{ ...consumerJson(state), paused: state.stopped && consumer.enabledInTemplate }];
    });
    return consumers.length === 0 ? [] : [{ name: target.name, kind: target.kind, consumers }];
  });
}
