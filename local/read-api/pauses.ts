import { CliError } from '../../clients/assembly/errors.js';
import { type ConsumerControls, pauseOrResume, pauseReportJson, pauseTargetStates } from '../../clients/assembly/pauses.js';
import { assemblyStack, type CloudAssembly } from '../../clients/assembly/template.js';
import { type PauseRequest, type PausesPage, READ_API_PATHS } from '../../clients/read-api-contract.js';
import type { LoadedApp } from '../template/load.js';
import { only, ReadApiFailure, type ReadRoute, type ServiceReads, sendJson } from './routes.js';

/** What pauses the runtime's consumers, and the app it runs. */
export interface PauseSources {
  /** The calls a pause makes (Lambda's, Scheduler's and EventBridge's operations), in the runtime's process. */
  readonly controls: ConsumerControls;
  /**
   * The app the runtime runs now (the template service's, which a reload replaces): never the
   * assembly's folder, which a synthesis that fails under `switchyard dev` empties.
   */
  readonly app: () => LoadedApp;
}

/** The app the runtime runs, as the tools read an assembly: its top-level stacks' templates as synthesized. */
function runningAssembly(sources: PauseSources): CloudAssembly {
  const stacks = sources
    .app()
    .stacks.filter((stack) => stack.description.parentStackId === undefined)
    .map((stack) => assemblyStack(stack.stackName, stack.template));
  // Read from the runtime's memory, not from a folder.
  return { dir: '', stacks };
}

/**
 * GET and POST /pauses: what `switchyard pause` can pause and pausing or resuming it, for the
 * console, which has no cloud assembly to find a flow's consumers in. It decides as the CLI does
 * (clients/assembly/pauses.ts, the code `switchyard pause` runs) and makes the same calls
 * (ListEventSourceMappings, UpdateEventSourceMapping, UpdateSchedule, DisableRule, ...) in the
 * runtime's own process, so a pause from the console is the one `switchyard pause` makes.
 */
export function pauseReads(sources: PauseSources): ServiceReads {
  const route: ReadRoute = {
    path: READ_API_PATHS.pauses,
    async handle({ query, res }) {
      only(query, []);
      const page: PausesPage = { targets: await pauseTargetStates(sources.controls, runningAssembly(sources)) };
      sendJson(res, 200, page);
    },
    async post({ query, res, body }) {
      only(query, []);
      const request = pauseRequestOf(body);
      const report = await pauseOrResume(sources.controls, runningAssembly(sources), request.target, request.action === 'pause').catch(
        (error: unknown) => {
          if (error instanceof CliError)
            throw new ReadApiFailure(
              error.exitCode === 2 ? 400 : 404,
              error.exitCode === 2 ? 'InvalidParameter' : 'NotFound',
              error.message,
            );
          throw error;
        },
      );
      sendJson(res, 200, pauseReportJson(report));
    },
  };
  return { routes: [route] };
}

function pauseRequestOf(body: unknown): PauseRequest {
  const { target, action } = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  if (typeof target !== 'string' || target === '' || (action !== 'pause' && action !== 'resume'))
    throw new ReadApiFailure(
      400,
      'InvalidParameter',
      'the body must be a JSON object: { "target": "<flow|function|queue>", "action": "pause" | "resume" }',
    );
  return { target, action };
}
