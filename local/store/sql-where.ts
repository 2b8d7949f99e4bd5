import type { SQLInputValue } from 'node:sqlite';

/**
 * The WHERE of a query whose filters are optional (a list's prefix, status, time range or the
 * position a page continues after), built a condition at a time with the values of its `?`s,
 * so that the SQL and its values cannot drift apart.
 */
export class SqlWhere {
  readonly #conditions: string[] = [];
  readonly #values: SQLInputValue[] = [];

  /** A condition, with the values of its `?`s in order. */
  and(condition: string, ...values: readonly SQLInputValue[]): this {
    this.#conditions.push(condition);
    this.#values.push(...values);
    return this;
  }

  /** A condition on a filter that may be absent: nothing when `value` is undefined, else `condition` with `value` for its `?`. */
  given(value: SQLInputValue | undefined, condition: string): this;
  /** ...or with the values `of` gives of it for its `?`s. */
  given<T>(value: T | undefined, condition: string, of: (value: T) => readonly SQLInputValue[]): this;
  given<T>(value: T | undefined, condition: string, of?: (value: T) => readonly SQLInputValue[]): this {
    if (value === undefined) return this;
    return this.and(condition, ...(of ? of(value) : [value as SQLInputValue]));
  }

  /** `column IN (…)` of a list, when the list is given (an empty one matches nothing). */
  in(column: string, values: readonly SQLInputValue[] | undefined): this {
    return values === undefined ? this : this.and(`${column} IN (${values.map(() => '?').join(', ')})`, ...values);
  }

  /** `WHERE` and the conditions, or nothing when there are none. */
  get clause(): string {
    return this.#conditions.length > 0 ? `WHERE ${this.#conditions.join(' AND ')}` : '';
  }

  /** The values of the conditions' `?`s, in order. */
  get values(): readonly SQLInputValue[] {
    return this.#values;
  }
}
