import { READ_API_PATHS, type ScheduleFailuresPage } from '../../clients/read-api-contract.js';
import { only, type ServiceReads, sendJson } from '../read-api/routes.js';
import type { SchedulerService } from './scheduler-service.js';

/**
 * What Scheduler adds to the read API: `/schedule-failures`, the schedules whose last firing
 * failed (retrying, dead-lettered or dropped), as `switchyard failures` and the console's
 * Failures page list them; `source` keeps one schedule's (its name, `group/name` or ARN).
 */
export function schedulerReads(scheduler: Pick<SchedulerService, 'failures'>): ServiceReads {
  return {
    routes: [
      {
        path: READ_API_PATHS.scheduleFailures,
        handle({ query, res }) {
          only(query, ['source']);
          const source = query.get('source') ?? undefined;
          const failures = scheduler
            .failures()
            .filter((f) => source === undefined || [f.scheduleArn, f.schedule, f.schedule.split('/').at(-1)].includes(source));
          const page: ScheduleFailuresPage = { failures };
          sendJson(res, 200, page);
        },
      },
    ],
  };
}
