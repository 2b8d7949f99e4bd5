import type { LoadedApp, LoadedResource } from '../template/load.js';

/**
 * What the services that reach each other read from the templates, and what a reload
 * compares and applies (local/service-registry/reload.ts) and the start-up report describes. Each module
 * that shares a part adds its fields here (TypeScript merges the declarations, as it does
 * for `ServiceTypes`) and reads them in its `shares`; the other services read their own
 * definitions themselves (a module's `definitions`).
 */
export interface ServiceDefinitions {
  /** Resources that were loaded but that no local service runs, beyond the loader's own warnings. */
  readonly warnings: readonly string[];
}

/** The template's resources of one type. */
export type ResourcesOfType = (type: string) => readonly LoadedResource[];

/** A module's part of the shared definitions, with its warnings. */
export type SharedDefinitions = Partial<Omit<ServiceDefinitions, 'warnings'>> & { readonly warnings?: readonly string[] };

/** What the registry reads the shared definitions with: the modules that share a part. */
export interface SharingModule {
  readonly shares?: (byType: ResourcesOfType) => SharedDefinitions;
}

/** Translates the loaded template resources into the definitions the modules share, each module reading its part. */
export function sharedDefinitions(modules: readonly SharingModule[], app: LoadedApp): ServiceDefinitions {
  // What only backs custom resources runs while CloudFormation deploys, never locally.
  const resources = app.stacks.flatMap((stack) => stack.resources).filter((r) => !r.customResourceProvider);
  const byType = (type: string) => resources.filter((r) => r.type === type);
  const parts: Record<string, unknown> = {};
  const warnings: string[] = [];
  for (const module of modules) {
    if (module.shares === undefined) continue;
    const { warnings: more = [], ...part } = module.shares(byType);
    Object.assign(parts, part);
    warnings.push(...more);
  }
  // Every field is some module's part: the modules that declare them are the runtime's (modules.ts).
  return { ...parts, warnings } as unknown as ServiceDefinitions;
}
