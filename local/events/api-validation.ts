/**
 * What EventBridge's operations check beyond the model (whose member constraints the endpoint
 * checks first, modelValidator in module.ts): Limit/NextToken pagination and schedule expressions.
 */
import { validationError } from '../endpoint/aws-error.js';
import { parseScheduleExpression, ScheduleExpressionError } from '../scheduler/schedule-expression.js';

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
