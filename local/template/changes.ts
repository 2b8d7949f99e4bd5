import type { LoadedApp, LoadedResource } from './load.js';

/** A resource of the types asked for that a new template adds, changes or removes. */
export interface ResourceChange {
  readonly resource: LoadedResource;
  readonly how: 'new' | 'changed' | 'removed';
}

/** The resources of `types` a new template adds, changes or removes: a reload's lines for a service that applies them as a whole. */
export function resourceChanges(before: LoadedApp, after: LoadedApp, types: ReadonlySet<string>): ResourceChange[] {
  const index = (app: LoadedApp) =>
    new Map(
      app.stacks
        .flatMap((stack) => stack.resources)
        .filter((r) => types.has(r.type))
        .map((r) => [`${r.stackName}/${r.logicalId}`, r] as const),
    );
  const old = index(before);
  const next = index(after);
  const changes: ResourceChange[] = [];
  for (const [id, resource] of next) {
    const was = old.get(id);
    if (was === undefined) changes.push({ resource, how: 'new' });
    else if (JSON.stringify(was.properties) !== JSON.stringify(resource.properties)) changes.push({ resource, how: 'changed' });
  }
  for (const [id, resource] of old) if (!next.has(id)) changes.push({ resource, how: 'removed' });
  return changes;
}
