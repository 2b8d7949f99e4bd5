import { reportedWarnings } from '../startup/startup-report.js';
import type { LoadedApp, LoadedResource } from '../template/load.js';
import type { ServiceDefinitions } from './service-definitions.js';
import type { ServiceReload, TemplateChange } from './service-module.js';

/** What a reload runs on: the running services (the registry), and the app they run, which a reload replaces. */
export interface ReloadTarget {
  /** Loads an assembly as the runtime loaded its first one (same endpoint, account, region, parameters). */
  load(cdkOut: string): { app: LoadedApp; definitions: ServiceDefinitions };
  /** The app the services run now: replaced once every service has taken the new one. */
  current: { app: LoadedApp; definitions: ServiceDefinitions };
  /** The resource types some service reloads in place (its module's `reloads`), and whether it applies their removal. */
  readonly reloadedTypes: ReadonlyMap<string, { readonly removals: boolean }>;
  /** Hands the change to every service that reloads, in dependency order. */
  reload(change: TemplateChange): Promise<Required<ServiceReload>>;
}

/** What one reload did, for the line `switchyard dev` prints. */
export interface ReloadSummary {
  /** `function X (code)`, `rule Y`, `state machine Z (new)`, ...: what runs differently from now on. */
  readonly reloaded: readonly string[];
  /** Changes that take a restart to apply (removed resources, services not reloaded in place). */
  readonly needsRestart: readonly string[];
  /**
   * What the new app runs differently from AWS that the last did not (a function that now declares
   * another Python runtime than this machine's, ...), as the start-up report prints it: said now,
   * not at the next start.
   */
  readonly warnings: readonly string[];
}

/**
 * Applies a newly synthesized cloud assembly to running services, keeping every store: queued
 * messages, running executions, table items and queued async invocations stay where they
 * are. Each service applies the changes of the resource types its module reloads (functions,
 * mappings, rules, state machines, queues, tables, policies); any other change is reported
 * as taking a restart. Throws (changing nothing) when the assembly does not load.
 */
export async function reloadServices(target: ReloadTarget, cdkOut: string): Promise<ReloadSummary> {
  const { app, definitions } = target.load(cdkOut);
  const before = target.current;
  const { reloaded, notApplied } = await target.reload({ app, definitions, before });
  const needsRestart = [...restartChanges(before.app, app, target.reloadedTypes), ...notApplied];
  // What the runtime reports from now on is the new template, but removed functions, rules and machines still run.
  target.current = { app, definitions };
  const warnings = definitions.warnings.filter((warning) => !before.definitions.warnings.includes(warning));
  return { reloaded, needsRestart, warnings: reportedWarnings(warnings) };
}

/**
 * The template changes a reload leaves for the next start: resources removed (they keep
 * running meanwhile), and changes to the services that are not reloaded in place (topics,
 * schedules, buckets, APIs, pipes, ...).
 */
function restartChanges(before: LoadedApp, after: LoadedApp, reloadedTypes: ReadonlyMap<string, { readonly removals: boolean }>): string[] {
  const index = (app: LoadedApp) =>
    new Map(
      app.stacks
        .flatMap((stack) => stack.resources)
        .filter((r) => !r.customResourceProvider)
        .map((r) => [`${r.stackName}/${r.logicalId}`, r] as const),
    );
  const old = index(before);
  const next = index(after);
  const lines: string[] = [];
  for (const [id, resource] of old) {
    if (!next.has(id) && reloadedTypes.get(resource.type)?.removals !== true)
      lines.push(`${label(resource)} was removed (it keeps running until switchyard dev restarts)`);
  }
  for (const [id, resource] of next) {
    if (reloadedTypes.has(resource.type)) continue;
    const was = old.get(id);
    if (was === undefined) lines.push(`${label(resource)} is new (it runs after a restart)`);
    else if (JSON.stringify(was.properties) !== JSON.stringify(resource.properties))
      lines.push(`${label(resource)} changed (it applies after a restart)`);
  }
  return lines;
}

function label(resource: LoadedResource): string {
  return `${resource.type} ${resource.stackName}/${resource.logicalId}`;
}
