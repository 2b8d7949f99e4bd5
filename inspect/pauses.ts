import {
  type EventSourceMappingConfiguration,
  GetEventSourceMappingCommand,
  paginateListEventSourceMappings,
  UpdateEventSourceMappingCommand,
} from '@aws-sdk/client-lambda';
import type { ScheduleSummary } from '@aws-sdk/client-scheduler';
import type { Consumer } from '../clients/assembly/consumers.js';
import {
  type ConsumerControls,
  type ConsumerState,
  consumerStates as consumerStatesThrough,
  mappingState,
  type PauseOutcome,
  type PauseReport,
  pauseOrResume as pauseOrResumeThrough,
} from '../clients/assembly/pauses.js';
import type { CloudAssembly } from './assembly.js';
import { type Clients, call, pages } from './aws.js';

/*
 * `switchyard pause` and `resume` against a target through the SDK: what they decide is pure
 * and shared with the local runtime's read API (clients/assembly/pauses.ts); here are its calls
 * (ConsumerControls) as the SDK makes them, and the wait for a mapping to settle.
 */
export { type ConsumerState, type PauseOutcome, type PauseReport, pauseReportJson } from '../clients/assembly/pauses.js';

/** The calls a pause makes, through the SDK's clients for a target (local or deployed). */
export function sdkConsumerControls(clients: Clients): ConsumerControls {
  const { target } = clients;
  return {
    listMappings: () => listMappings(clients),
    setMappingEnabled: (uuid, enabled) =>
      call(target, () => clients.lambda.send(new UpdateEventSourceMappingCommand({ UUID: uuid, Enabled: enabled }))),
    listSchedules: () => listSchedules(clients),
    async setScheduleState(group, name, State) {
      // Loaded only for an app with schedules (the flow command reads consumers too).
      const { GetScheduleCommand, UpdateScheduleCommand } = await import('@aws-sdk/client-scheduler');
      const s = await call(target, () => clients.scheduler.send(new GetScheduleCommand({ Name: name, GroupName: group })));
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
      return call(target, () => clients.scheduler.send(new GetScheduleCommand({ Name: name, GroupName: group })));
    },
    listScheduledRules: () => listScheduledRules(clients),
    async setRuleEnabled(name, enabled) {
      const { DescribeRuleCommand, DisableRuleCommand, EnableRuleCommand } = await import('@aws-sdk/client-eventbridge');
      await call(target, () =>
        clients.events.send(enabled ? new EnableRuleCommand({ Name: name }) : new DisableRuleCommand({ Name: name })),
      );
      return (await call(target, () => clients.events.send(new DescribeRuleCommand({ Name: name })))).State;
    },
  };
}

/** Each consumer as the target has it (see clients/assembly/pauses.ts), through the SDK. */
export function consumerStates(clients: Clients, consumers: readonly Consumer[]): Promise<{ found: ConsumerState[]; missing: Consumer[] }> {
  return consumerStatesThrough(sdkConsumerControls(clients), consumers);
}

/**
 * Pauses (`stop`) or resumes what `name` names in the app (see clients/assembly/pauses.ts), through the SDK.
 * @throws CliError for a name the app does not have, or whose consumers are not deployed
 */
export function pauseOrResume(clients: Clients, assembly: CloudAssembly, name: string, stop: boolean): Promise<PauseReport> {
  return pauseOrResumeThrough(sdkConsumerControls(clients), assembly, name, stop);
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
