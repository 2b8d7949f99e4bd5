import { unknownFilter } from './ec2-errors.js';
import type { Tag } from './ec2-store.js';

/** A Describe call's filter, as the API takes it. */
export interface Filter {
  readonly Name?: string;
  readonly Values?: readonly string[];
}

/** The values a resource has for each filter name its Describe call takes (`vpc-id`, `cidr-block`, ...). */
export type FilterFields<T> = Readonly<Record<string, (item: T) => readonly (string | boolean | undefined)[]>>;

/** `*` and `?` as EC2's filter values take them, the rest literal. */
function matcher(value: string): RegExp {
  const pattern = value
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${pattern}$`, 's');
}

/** The values of the tag filters every Describe call takes: `tag:<key>` (its value), `tag-key`, `tag-value`. */
function tagValues(name: string, tags: readonly Tag[]): string[] | undefined {
  if (name.startsWith('tag:')) return tags.filter((tag) => tag.Key === name.slice(4)).map((tag) => tag.Value);
  if (name === 'tag-key') return tags.map((tag) => tag.Key);
  if (name === 'tag-value') return tags.map((tag) => tag.Value);
  return undefined;
}

/**
 * The items every filter matches: within a filter any value may match, across filters all
 * must (as EC2 documents its filters). `tagsOf` reads an item's tags (the store's, by its id)
 * for the tag filters, and only when a call has one.
 * @throws InvalidParameterValue for a filter name the call does not take
 */
export function filtered<T>(
  items: readonly T[],
  filters: readonly Filter[] | undefined,
  fields: FilterFields<T>,
  tagsOf: (item: T) => readonly Tag[],
): T[] {
  const checks = (filters ?? []).map((filter) => {
    const name = filter.Name ?? '';
    const field = Object.hasOwn(fields, name) ? fields[name] : undefined;
    if (field === undefined && tagValues(name, []) === undefined) throw unknownFilter(name);
    const patterns = (filter.Values ?? []).map(matcher);
    return (item: T) => {
      const values = field
        ? field(item)
            .filter((v) => v !== undefined)
            .map(String)
        : (tagValues(name, tagsOf(item)) ?? []);
      return values.some((value) => patterns.some((pattern) => pattern.test(value)));
    };
  });
  return items.filter((item) => checks.every((check) => check(item)));
}
