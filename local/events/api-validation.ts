/**
 * Request checks in EventBridge's words: member constraints from the service model
 * (botocore's `events/2015-10-07/service-2.json`), collected and reported together as AWS does ("2 validation
 * errors detected: Value 'x' at 'name' failed to satisfy constraint: ..."), and
 * Limit/NextToken pagination.
 */
import { AwsError, validationError } from '../endpoint/aws-error.js';
import { parseScheduleExpression, ScheduleExpressionError } from '../scheduler/schedule-expression.js';

/** Rule and target names and ids. */
export const NAME_PATTERN = { regex: /^[.\-_A-Za-z0-9]+$/, text: '[\\.\\-_A-Za-z0-9]+' };
/** A bus name, or a bus ARN where the API takes `EventBusNameOrArn`. */
export const BUS_NAME_OR_ARN_PATTERN = {
  regex: /^(arn:aws[\w-]*:events:[a-z]{2}-[a-z]+-[\w-]+:[0-9]{12}:event-bus\/)?[/.\-_A-Za-z0-9]+$/,
  text: '(arn:aws[\\w-]*:events:[a-z]{2}-[a-z]+-[\\w-]+:[0-9]{12}:event-bus\\/)?[/\\.\\-_A-Za-z0-9]+',
};
export const BUS_NAME_PATTERN = { regex: /^[/.\-_A-Za-z0-9]+$/, text: '[/\\.\\-_A-Za-z0-9]+' };

interface StringRule {
  readonly required?: boolean;
  readonly min?: number;
  readonly max?: number;
  readonly pattern?: { readonly regex: RegExp; readonly text: string };
  readonly oneOf?: readonly string[];
}

/** Collects constraint violations of one request; `check()` throws them as one ValidationException. */
export class Constraints {
  readonly #violations: string[] = [];

  /** @throws AwsError SerializationException when the value is not a string at all */
  string(value: unknown, where: string, rule: StringRule): string | undefined {
    if (value === undefined || value === null) {
      if (rule.required) this.#violations.push(`Value null at '${where}' failed to satisfy constraint: Member must not be null`);
      return undefined;
    }
    if (typeof value !== 'string') throw wrongType(where, 'a string');
    const fail = (constraint: string) =>
      this.#violations.push(`Value '${value}' at '${where}' failed to satisfy constraint: ${constraint}`);
    if (rule.min !== undefined && value.length < rule.min) fail(`Member must have length greater than or equal to ${rule.min}`);
    if (rule.max !== undefined && value.length > rule.max) fail(`Member must have length less than or equal to ${rule.max}`);
    if (rule.pattern && value.length > 0 && !rule.pattern.regex.test(value))
      fail(`Member must satisfy regular expression pattern: ${rule.pattern.text}`);
    if (rule.oneOf && !rule.oneOf.includes(value)) fail(`Member must satisfy enum value set: [${rule.oneOf.join(', ')}]`);
    return value;
  }

  /** @throws AwsError SerializationException when the value is not a number */
  integer(value: unknown, where: string, rule: { min?: number; max?: number }): number | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value)) throw wrongType(where, 'an integer');
    if (rule.min !== undefined && value < rule.min)
      this.#violations.push(
        `Value '${value}' at '${where}' failed to satisfy constraint: Member must have value greater than or equal to ${rule.min}`,
      );
    if (rule.max !== undefined && value > rule.max)
      this.#violations.push(
        `Value '${value}' at '${where}' failed to satisfy constraint: Member must have value less than or equal to ${rule.max}`,
      );
    return value;
  }

  /** @throws AwsError SerializationException when the value is not a list */
  list(value: unknown, where: string, rule: { required?: boolean; min?: number; max?: number }): unknown[] | undefined {
    if (value === undefined || value === null) {
      if (rule.required) this.#violations.push(`Value null at '${where}' failed to satisfy constraint: Member must not be null`);
      return undefined;
    }
    if (!Array.isArray(value)) throw wrongType(where, 'a list');
    const shown = `[${value.map((item) => (typeof item === 'object' ? JSON.stringify(item) : String(item))).join(', ')}]`;
    if (rule.min !== undefined && value.length < rule.min)
      this.#violations.push(
        `Value '${shown}' at '${where}' failed to satisfy constraint: Member must have length greater than or equal to ${rule.min}`,
      );
    if (rule.max !== undefined && value.length > rule.max)
      this.#violations.push(
        `Value '${shown}' at '${where}' failed to satisfy constraint: Member must have length less than or equal to ${rule.max}`,
      );
    return value;
  }

  /** @throws AwsError SerializationException when the value is not a structure */
  structure(value: unknown, where: string): Record<string, unknown> | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'object' || Array.isArray(value)) throw wrongType(where, 'a structure');
    return value as Record<string, unknown>;
  }

  /** @throws AwsError ValidationException listing every violation found */
  check(): void {
    const found = this.#violations;
    if (found.length === 0) return;
    const count = found.length === 1 ? '1 validation error' : `${found.length} validation errors`;
    throw validationError(`${count} detected: ${found.join('; ')}`);
  }
}

/** AWS answers a member of the wrong JSON type before validating anything. */
function wrongType(where: string, expected: string): AwsError {
  return new AwsError('SerializationException', `Value at '${where}' must be ${expected}`);
}

/** Checks the `Limit` and `NextToken` members of a List* request. */
export function paginationInput(input: { Limit?: unknown; NextToken?: unknown }, constraints: Constraints) {
  const limit = constraints.integer(input.Limit, 'limit', { min: 1, max: 100 });
  const token = constraints.string(input.NextToken, 'nextToken', { min: 1, max: 2048 });
  return { limit, token };
}

const TOKEN_PREFIX = 'swyd1:';

/**
 * One page of `items` (sorted by `key`), starting after the key the token names.
 * Without a Limit, every remaining item is returned, as EventBridge does for rules.
 * @throws AwsError ValidationException for a token this service did not hand out
 */
export function page<T>(items: readonly T[], key: (item: T) => string, limit: number | undefined, token: string | undefined) {
  const sorted = [...items].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  let from = 0;
  if (token !== undefined) {
    const decoded = Buffer.from(token, 'base64url').toString('utf8');
    if (!decoded.startsWith(TOKEN_PREFIX)) throw validationError(`The NextToken '${token}' is not valid.`);
    const after = decoded.slice(TOKEN_PREFIX.length);
    from = sorted.findIndex((item) => key(item) > after);
    if (from < 0) from = sorted.length;
  }
  const end = limit === undefined ? sorted.length : Math.min(sorted.length, from + limit);
  const items_ = sorted.slice(from, end);
  const last = items_.at(-1);
  const nextToken =
    end < sorted.length && last !== undefined ? Buffer.from(`${TOKEN_PREFIX}${key(last)}`, 'utf8').toString('base64url') : undefined;
  return { items: items_, nextToken };
}

/**
 * Rate and cron expressions as EventBridge rules take them
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html): the parser the
 * scheduled rules fire with, so a rule PutRule accepts is one that runs.
 */
export function isScheduleExpression(expression: string): boolean {
  try {
    parseScheduleExpression(expression, { dialect: 'rule' });
    return true;
  } catch (error) {
    if (error instanceof ScheduleExpressionError) return false;
    throw error;
  }
}
