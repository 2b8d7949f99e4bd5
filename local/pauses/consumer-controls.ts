import type { ConsumerControls, ListedMapping, ListedSchedule } from '../../clients/assembly/pauses.js';
import { SchedulerApi } from '../scheduler/scheduler-api.js';
import type { RuntimeSettings, ServiceLookup } from '../service-registry/service-module.js';

/**
 * What a pause calls (clients/assembly/pauses.ts), made in the runtime's own process: the same
 * operations `switchyard pause` calls through the SDK (ListEventSourceMappings,
 * UpdateEventSourceMapping, Get/Update/ListSchedules, ListRules, Enable/DisableRule,
 * DescribeRule), on the services' own API objects instead of over the runtime's endpoint, so the
 * runtime never sends itself a request. The services are looked up at each call (they are created
 * after the app is loaded). Timestamps come as the services keep them (epoch milliseconds) and go
 * out as Dates, as the SDK gives them.
 */
export function inProcessConsumerControls(
  services: ServiceLookup,
  settings: Pick<RuntimeSettings, 'clock' | 'region' | 'accountId'>,
): ConsumerControls {
  const mappings = () => services.get('lambda').eventSourceMappings;
  const scheduler = () => new SchedulerApi(services.get('scheduler'), settings);
  const rules = () => services.get('events').operations;
  return {
    async listMappings() {
      const listed: ListedMapping[] = [];
      let Marker: string | undefined;
      do {
        const page = await mappings().ListEventSourceMappings(Marker === undefined ? {} : { Marker });
        listed.push(...page.EventSourceMappings);
        Marker = page.NextMarker;
      } while (Marker !== undefined);
      return listed;
    },
    setMappingEnabled: (uuid, enabled) => mappings().UpdateEventSourceMapping({ UUID: uuid, Enabled: enabled }),
    async listSchedules() {
      const listed: ListedSchedule[] = [];
      let NextToken: string | undefined;
      do {
        const page = await scheduler().ListSchedules(NextToken === undefined ? {} : { NextToken });
        listed.push(...page.Schedules.map(scheduleAnswer));
        NextToken = page.NextToken;
      } while (NextToken !== undefined);
      return listed;
    },
    async setScheduleState(group, name, State) {
      const api = scheduler();
      // UpdateSchedule replaces every member: the rest as GetSchedule gives it, its times as the wire carries them.
      const {
        StartDate,
        EndDate,
        CreationDate: _created,
        LastModificationDate: _modified,
        Arn: _arn,
        ...rest
      } = await api.GetSchedule({
        Name: name,
        GroupName: group,
      });
      await api.UpdateSchedule({
        ...rest,
        ...(StartDate === undefined ? {} : { StartDate: new Date(StartDate).toISOString() }),
        ...(EndDate === undefined ? {} : { EndDate: new Date(EndDate).toISOString() }),
        State,
      });
      return scheduleAnswer(await api.GetSchedule({ Name: name, GroupName: group }));
    },
    async listScheduledRules() {
      const listed: { name: string; state: string }[] = [];
      let NextToken: string | undefined;
      do {
        const page = await rules().ListRules(NextToken === undefined ? {} : { NextToken });
        for (const rule of page.Rules ?? []) {
          if (rule.Name && rule.ScheduleExpression) listed.push({ name: rule.Name, state: rule.State ?? 'ENABLED' });
        }
        NextToken = page.NextToken;
      } while (NextToken !== undefined);
      return listed;
    },
    async setRuleEnabled(name, enabled) {
      const operations = rules();
      await (enabled ? operations.EnableRule({ Name: name }) : operations.DisableRule({ Name: name }));
      return (await operations.DescribeRule({ Name: name })).State;
    },
  };
}

/** A schedule as the SDK gives it: its last change a Date. */
function scheduleAnswer(schedule: { Name?: string; GroupName?: string; State?: string; LastModificationDate?: number }): ListedSchedule {
  const { Name, GroupName, State, LastModificationDate } = schedule;
  return {
    Name,
    GroupName,
    State,
    ...(LastModificationDate === undefined ? {} : { LastModificationDate: new Date(LastModificationDate) }),
  };
}
