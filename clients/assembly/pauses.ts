import type { PauseAnswer, PausedConsumer, PauseOutcomeView, PauseTargetView } from '../read-api-contract.js';
import { physicalNameMatches } from '../resource-names.js';
import { type Consumer, consumerKey, pauseTargets, selectPauseTargets } from './consumers.js';
import { CliError } from './errors.js';
import type { CloudAssembly } from './template.js';

/*
 * What `switchyard pause` and `resume` decide, pure: which consumers a name stops, their state
 * as the target has them, what to change and the report. The calls themselves are a
 * ConsumerControls: the CLI's and the testing API's make them through the SDK against any
 * target (inspect/pauses.ts), the local runtime's read API in its own process through what
 * Lambda, Scheduler and EventBridge serve (local/pauses/), so a pause from the console is the
 * one `switchyard pause` makes.
 */

/** An event source mapping as ListEventSourceMappings, GetEventSourceMapping and UpdateEventSourceMapping answer it. */
export interface ListedMapping {
  readonly UUID?: string;
  readonly EventSourceArn?: string;
  readonly FunctionArn?: string;
  readonly State?: string;
  readonly LastModified?: Date;
}

/** A schedule as ListSchedules and GetSchedule answer it. */
export interface ListedSchedule {
  readonly Name?: string;
  readonly GroupName?: string;
  readonly State?: string;
  readonly LastModificationDate?: Date;
}

/** The calls a pause makes of the target, in its services' own words (each answers as the API does, or throws its error). */
export interface ConsumerControls {
  /** Every event source mapping (ListEventSourceMappings, every page). */
  listMappings(): Promise<ListedMapping[]>;
  /** UpdateEventSourceMapping with `Enabled`: the mapping as it answers. */
  setMappingEnabled(uuid: string, enabled: boolean): Promise<ListedMapping>;
  /** Every schedule (ListSchedules, every page). */
  listSchedules(): Promise<ListedSchedule[]>;
  /**
   * UpdateSchedule with `State` (and the rest of the schedule as GetSchedule gives it, since
   * UpdateSchedule replaces every member): the schedule as GetSchedule answers it after.
   */
  setScheduleState(group: string, name: string, state: 'ENABLED' | 'DISABLED'): Promise<ListedSchedule>;
  /** The default bus's rules with a schedule expression (ListRules, every page), where every scheduled rule is. */
  listScheduledRules(): Promise<{ name: string; state: string }[]>;
  /** DisableRule or EnableRule: the rule's State as DescribeRule answers it after. */
  setRuleEnabled(name: string, enabled: boolean): Promise<string | undefined>;
}

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
  controls: ConsumerControls,
  consumers: readonly Consumer[],
): Promise<{ found: ConsumerState[]; missing: Consumer[] }> {
  const found: ConsumerState[] = [];
  const missing: Consumer[] = [];
  const mappings = consumers.some((c) => c.kind === 'mapping') ? await controls.listMappings() : [];
  const schedules = consumers.some((c) => c.kind === 'schedule') ? await controls.listSchedules() : [];
  const rules = consumers.some((c) => c.kind === 'rule') ? await controls.listScheduledRules() : [];
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
export async function setStopped(controls: ConsumerControls, states: readonly ConsumerState[], stop: boolean): Promise<PauseOutcome[]> {
  const outcomes: PauseOutcome[] = [];
  for (const current of states) {
    if (current.stopped === stop || !current.consumer.enabledInTemplate) outcomes.push({ ...current, changed: false });
    else outcomes.push({ ...(await change(controls, current, stop)), changed: true });
  }
  return outcomes;
}

async function change(controls: ConsumerControls, current: ConsumerState, stop: boolean): Promise<ConsumerState> {
  const { consumer, id } = current;
  switch (consumer.kind) {
    case 'mapping':
      return mappingState(consumer, await controls.setMappingEnabled(id, !stop));
    case 'schedule': {
      const [group, name] = splitScheduleId(id);
      const State = stop ? 'DISABLED' : 'ENABLED';
      const after = await controls.setScheduleState(group, name, State);
      return { consumer, id, state: after.State ?? State, stopped: after.State === 'DISABLED', since: after.LastModificationDate };
    }
    case 'rule': {
      const after = await controls.setRuleEnabled(id, !stop);
      return { consumer, id, state: after ?? '-', stopped: after === 'DISABLED' };
    }
  }
}

function stateOf(
  consumer: Consumer,
  listed: { mappings: ListedMapping[]; schedules: ListedSchedule[]; rules: { name: string; state: string }[] },
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

/** A mapping's state as its service answered it. */
export function mappingState(consumer: Consumer, mapping: ListedMapping): ConsumerState {
  const state = mapping.State ?? '-';
  return {
    consumer,
    id: mapping.UUID ?? '',
    state,
    stopped: STOPPED_MAPPING.has(state),
    ...(mapping.LastModified ? { since: mapping.LastModified } : {}),
  };
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
export async function pauseOrResume(
  controls: ConsumerControls,
  assembly: CloudAssembly,
  name: string,
  stop: boolean,
): Promise<PauseReport> {
  const targets = selectPauseTargets(pauseTargets(assembly), name);
  const consumers = [...new Map(targets.flatMap((t) => t.consumers).map((c) => [consumerKey(c), c])).values()];
  const { found, missing } = await consumerStates(controls, consumers);
  if (found.length === 0) {
    throw new CliError(
      `none of ${name}'s consumers is deployed in the target (${missing.map((c) => c.label).join(', ')}): is the app deployed?`,
    );
  }
  return {
    action: stop ? 'pause' : 'resume',
    targets: targets.map((t) => ({ name: t.name, kind: t.kind })),
    consumers: await setStopped(controls, found, stop),
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
export async function pauseTargetStates(controls: ConsumerControls, assembly: CloudAssembly): Promise<PauseTargetView[]> {
  const targets = pauseTargets(assembly);
  const { found } = await consumerStates(controls, [...new Set(targets.flatMap((t) => t.consumers))]);
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
