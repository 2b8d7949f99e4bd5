import { AppSyncResolverError } from './errors.js';

/**
 * AppSync's enhanced subscription filters
 * (https://docs.aws.amazon.com/appsync/latest/devguide/aws-appsync-real-time-enhanced-filtering.html,
 * https://docs.aws.amazon.com/appsync/latest/devguide/extensions.html): a subscription resolver's
 * response sets one with `extensions.setSubscriptionFilter` (`$extensions` in VTL); each event
 * goes to the subscription when one of its `filterGroup` entries has all of its `filters` true.
 */
export interface SubscriptionFilter {
  readonly filterGroup: readonly { readonly filters: readonly FieldFilter[] }[];
}

export interface FieldFilter {
  readonly fieldName: string;
  readonly operator: Operator;
  readonly value: unknown;
}

const OPERATORS = [
  'eq',
  'ne',
  'le',
  'lt',
  'ge',
  'gt',
  'contains',
  'notContains',
  'beginsWith',
  'in',
  'notIn',
  'between',
  'containsAny',
] as const;
type Operator = (typeof OPERATORS)[number];

/** AppSync's limits on a filter: groups, filters in a group, and the values `in`/`notIn` and `containsAny` take. */
const LIMITS = { groups: 10, filters: 5, inValues: 5, containsAnyValues: 20, depth: 5 } as const;

/** A filter AppSync refuses: the resolver fails with it, naming what is wrong and what is right. */
const refused = (message: string) => new AppSyncResolverError(`Invalid subscription filter: ${message}`, 'BadRequestException');

const isOperator = (name: string): name is Operator => (OPERATORS as readonly string[]).includes(name);

/** @throws AppSyncResolverError BadRequestException naming the part of `given` that is not a filter AppSync takes */
export function checkSubscriptionFilter(given: unknown): SubscriptionFilter {
  const groups = (given as { filterGroup?: unknown } | null)?.filterGroup;
  if (!Array.isArray(groups) || groups.length === 0) {
    throw refused(`it is {"filterGroup": [{"filters": [{"fieldName", "operator", "value"}]}]}, not ${JSON.stringify(given)}`);
  }
  if (groups.length > LIMITS.groups) throw refused(`${groups.length} filter groups: at most ${LIMITS.groups}`);
  groups.forEach((group: { filters?: unknown }, at) => {
    const filters = group?.filters;
    if (!Array.isArray(filters) || filters.length === 0) throw refused(`filterGroup[${at}] has no "filters" list`);
    if (filters.length > LIMITS.filters) throw refused(`filterGroup[${at}] has ${filters.length} filters: at most ${LIMITS.filters}`);
    for (const filter of filters as Partial<FieldFilter>[]) checkFieldFilter(filter, `filterGroup[${at}]`);
  });
  return given as SubscriptionFilter;
}

function checkFieldFilter(filter: Partial<FieldFilter>, where: string): void {
  const { fieldName, operator, value } = filter ?? {};
  if (typeof fieldName !== 'string' || fieldName === '')
    throw refused(`${where}: a filter's "fieldName" is the event's field, not ${JSON.stringify(fieldName)}`);
  if (fieldName.split('.').length > LIMITS.depth) throw refused(`${where}: ${fieldName} is nested deeper than ${LIMITS.depth} levels`);
  if (typeof operator !== 'string' || !isOperator(operator)) {
    throw refused(`${where}: the operator of ${fieldName} is one of ${OPERATORS.join(', ')}, not ${JSON.stringify(operator)}`);
  }
  const list = (most: number) => {
    if (!Array.isArray(value) || value.length === 0 || value.length > most) {
      throw refused(`${where}: ${operator} on ${fieldName} takes a list of 1 to ${most} values, not ${JSON.stringify(value)}`);
    }
  };
  if (operator === 'in' || operator === 'notIn') list(LIMITS.inValues);
  if (operator === 'containsAny') list(LIMITS.containsAnyValues);
  if (operator === 'between' && (!Array.isArray(value) || value.length !== 2)) {
    throw refused(`${where}: between on ${fieldName} takes [low, high], not ${JSON.stringify(value)}`);
  }
}

/** The event's value at a dotted field name (`author.name`). */
function valueAt(event: unknown, fieldName: string): unknown {
  let value = event;
  for (const part of fieldName.split('.')) value = (value as Record<string, unknown> | null | undefined)?.[part];
  return value;
}

const ordered = (a: unknown, b: unknown) =>
  (typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string');

function holds({ fieldName, operator, value }: FieldFilter, event: unknown): boolean {
  const actual = valueAt(event, fieldName);
  const values = Array.isArray(value) ? value : [];
  switch (operator) {
    case 'eq':
      return actual === value;
    case 'ne':
      return actual !== value;
    case 'le':
      return ordered(actual, value) && (actual as number) <= (value as number);
    case 'lt':
      return ordered(actual, value) && (actual as number) < (value as number);
    case 'ge':
      return ordered(actual, value) && (actual as number) >= (value as number);
    case 'gt':
      return ordered(actual, value) && (actual as number) > (value as number);
    case 'contains':
      return typeof actual === 'string' ? actual.includes(String(value)) : Array.isArray(actual) && actual.includes(value);
    case 'notContains':
      return typeof actual === 'string' ? !actual.includes(String(value)) : Array.isArray(actual) && !actual.includes(value);
    case 'beginsWith':
      return typeof actual === 'string' && actual.startsWith(String(value));
    case 'in':
      return values.includes(actual);
    case 'notIn':
      return !values.includes(actual);
    case 'between':
      return (
        ordered(actual, values[0]) &&
        ordered(actual, values[1]) &&
        (actual as number) >= (values[0] as number) &&
        (actual as number) <= (values[1] as number)
      );
    case 'containsAny':
      return Array.isArray(actual) ? actual.some((a) => values.includes(a)) : values.includes(actual);
  }
}

/** Whether an event goes to a subscription with this filter: any group whose filters all hold. */
export function matchesSubscriptionFilter(filter: SubscriptionFilter, event: unknown): boolean {
  return filter.filterGroup.some((group) => group.filters.every((f) => holds(f, event)));
}

type Conjunction = FieldFilter[];

/** A filter object (`{severity: {ge: 2}, or: [...], and: [...]}`) as groups of filters that all hold (its disjunctive form). */
function conjunctions(object: unknown, where: string): Conjunction[] {
  if (object === null || typeof object !== 'object' || Array.isArray(object)) {
    throw refused(`${where} takes an object of fields to conditions ({"severity": {"ge": 2}}), not ${JSON.stringify(object)}`);
  }
  let result: Conjunction[] = [[]];
  const and = (next: Conjunction[]) => {
    result = result.flatMap((left) => next.map((right) => [...left, ...right]));
  };
  for (const [key, condition] of Object.entries(object)) {
    if (key === 'or' || key === 'and') {
      if (!Array.isArray(condition)) throw refused(`${where}: "${key}" takes a list of filter objects, not ${JSON.stringify(condition)}`);
      const parts = condition.map((part) => conjunctions(part, where));
      if (key === 'or') and(parts.flat());
      else for (const part of parts) and(part);
      continue;
    }
    if (condition === null || typeof condition !== 'object' || Array.isArray(condition)) {
      throw refused(`${where}: the condition on ${key} is an object of operators ({"eq": ...}), not ${JSON.stringify(condition)}`);
    }
    and([Object.entries(condition).map(([operator, value]) => ({ fieldName: key, operator: operator as Operator, value }))]);
  }
  return result;
}

/**
 * `util.transform.toSubscriptionFilter(objFilter, ignoredFields?, rules?)`
 * (https://docs.aws.amazon.com/appsync/latest/devguide/transformation-helpers-in-utils-transform-js.html):
 * the filter object, less the fields `ignoredFields` names, and with `rules` (a filter object
 * that must hold as well), as a filter `setSubscriptionFilter` takes.
 * @throws AppSyncResolverError BadRequestException for what is not a filter object, or a filter over AppSync's limits
 */
export function toSubscriptionFilter(objFilter: unknown, ignoredFields?: unknown, rules?: unknown): SubscriptionFilter {
  const where = 'util.transform.toSubscriptionFilter';
  const ignored = Array.isArray(ignoredFields) ? ignoredFields.map(String) : [];
  const kept =
    objFilter !== null && typeof objFilter === 'object' && !Array.isArray(objFilter)
      ? Object.fromEntries(Object.entries(objFilter).filter(([key]) => !ignored.includes(key)))
      : objFilter;
  let groups = conjunctions(kept, where);
  if (rules !== undefined && rules !== null) {
    const strict = conjunctions(rules, where);
    groups = groups.flatMap((left) => strict.map((right) => [...left, ...right]));
  }
  return checkSubscriptionFilter({ filterGroup: groups.filter((g) => g.length > 0).map((filters) => ({ filters })) });
}
