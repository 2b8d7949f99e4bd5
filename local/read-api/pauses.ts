import { type PauseRequest, type PausesPage, READ_API_PATHS } from '../../clients/read-api-contract.js';
import { assemblyStack, type CloudAssembly } from '../../inspect/assembly.js';
import { type Clients, createClients } from '../../inspect/aws.js';
import { CliError } from '../../inspect/errors.js';
import { pauseOrResume, pauseReportJson, pauseTargetStates } from '../../inspect/pauses.js';
import type { LoadedApp } from '../template/load.js';
import { only, ReadApiFailure, type ReadRoute, type ServiceReads, sendJson } from './routes.js';

/** Where the runtime's own AWS APIs answer, and the app it runs. */
export interface PauseSources {
  readonly url: string;
  readonly region: string;
  /**
   * The app the runtime runs now (the template service's, which a reload replaces): never the
   * assembly's folder, which a synthesis that fails under `switchyard dev` empties.
   */
  readonly app: () => LoadedApp;
}

/** The app the runtime runs, as inspect/ reads an assembly: its top-level stacks' templates as synthesized. */
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
 * console, which has no cloud assembly to find a flow's consumers in. It runs the CLI's own
 * code (inspect/pauses.ts) against this runtime's public APIs (ListEventSourceMappings,
 * UpdateEventSourceMapping, UpdateSchedule, DisableRule, ...), so a pause from the console is
 * the one `switchyard pause` makes.
 */
export function pauseReads(sources: PauseSources): ServiceReads {
  const route: ReadRoute = {
    path: READ_API_PATHS.pauses,
    async handle({ query, res }) {
      only(query, []);
      const page: PausesPage = {
        targets: await withClients(sources, (clients) => pauseTargetStates(clients, runningAssembly(sources))),
      };
      sendJson(res, 200, page);
    },
    async post({ query, res, body }) {
      only(query, []);
      const request = pauseRequestOf(body);
      const report = await withClients(sources, (clients) =>
        pauseOrResume(clients, runningAssembly(sources), request.target, request.action === 'pause'),
      ).catch((error: unknown) => {
        if (error instanceof CliError)
          throw new ReadApiFailure(error.exitCode === 2 ? 400 : 404, error.exitCode === 2 ? 'InvalidParameter' : 'NotFound', error.message);
        throw error;
      });
      sendJson(res, 200, pauseReportJson(report));
    },
  };
  return { routes: [route] };
}

async function withClients<T>(sources: PauseSources, use: (clients: Clients) => Promise<T>): Promise<T> {
  const clients = createClients({ kind: 'local', endpoint: sources.url, region: sources.region });
  try {
    return await use(clients);
  } finally {
    for (const client of [clients.events, clients.lambda, clients.scheduler]) client.destroy();
  }
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
