import type { DatabaseSync } from 'node:sqlite';
import { AwsError } from '../endpoint/aws-error.js';

/** A store of one kind of a log group's filters (subscription or metric), as declaring the template's needs it. */
export interface TemplateFilterStore<F> {
  readonly db: DatabaseSync;
  /** Its table: a `group_name`, a `name` and a `from_template` flag per filter. */
  readonly table: 'logs_subscription_filter' | 'logs_metric_filter';
  /** What a printed line calls a filter of it: `subscription filter`, `metric filter`. */
  readonly kind: string;
  put(filter: F, fromTemplate: true): void;
  delete(group: string, name: string): boolean;
  log(line: string): void;
}

/**
 * Makes the template's filters of one kind the ones it declares, as a stack update would: each
 * created or updated, and (with `removeOthers`, at a start) one it declared before but no longer
 * does deleted. One CloudFormation would refuse (a bad pattern, a group's limit) is printed and
 * not run, not a failed start.
 */
export function declareTemplateFilters<F extends { readonly group: string; readonly name: string }>(
  store: TemplateFilterStore<F>,
  filters: readonly F[],
  options: { readonly removeOthers: boolean },
): void {
  const keep = new Set(filters.map((f) => JSON.stringify([f.group, f.name])));
  const declared = store.db.prepare(`SELECT group_name, name FROM ${store.table} WHERE from_template = 1`).all() as {
    group_name: string;
    name: string;
  }[];
  for (const row of declared) {
    if (options.removeOthers && !keep.has(JSON.stringify([row.group_name, row.name]))) store.delete(row.group_name, row.name);
  }
  for (const filter of filters) {
    try {
      store.put(filter, true);
    } catch (error) {
      if (!(error instanceof AwsError)) throw error;
      store.log(`${store.kind} ${filter.name} of ${filter.group} is not run: ${error.code}: ${error.message}`);
    }
  }
}

/** Deletes a filter of the store's kind; false when the group has none by that name. */
export function deleteFilter(store: Pick<TemplateFilterStore<unknown>, 'db' | 'table'>, group: string, name: string): boolean {
  return store.db.prepare(`DELETE FROM ${store.table} WHERE group_name = ? AND name = ?`).run(group, name).changes > 0;
}
