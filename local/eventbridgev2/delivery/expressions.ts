/**
 * JSONata on a Custom Event Bus: one `{% %}` expression over `$events`, compiled and evaluated by
 * the JSONata Step Functions runs (local/states/engine/jsonata.ts, with the same added functions
 * $hash, $uuid, $parse, $partition, $range, $random). The bus's own rules, from
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-custom-bus-transform.html:
 * - "EventBridge checks the syntax when you create or update the subscriber and rejects an invalid
 *   expression with InvalidInputException"; an expression is at most 8,192 characters (a universal
 *   target's Input 262,144);
 * - "An expression that throws, exceeds those limits, or produces null or undefined fails the
 *   delivery of that event. EventBridge retries under the subscriber's RetryPolicy, then sends the
 *   event to the on-failure destination ... the dead-letter record's errorCode is
 *   INPUT_TRANSFORMATION_FAILURE";
 * - "The $eval function is not available."
 */
import { type CompiledJsonata, compileJsonata, isJsonataTemplate } from '../../states/engine/jsonata.js';
import { invalidInput } from '../checks.js';

/**
 * An expression that failed for one event at delivery: the delivery of that event fails (the
 * engine retries it under the RetryPolicy, then dead-letters it with `errorCode`).
 */
export class TransformError extends Error {
  override readonly name = 'TransformError';
  /** The dead-letter record's errorCode AWS documents for it. */
  readonly errorCode = 'INPUT_TRANSFORMATION_FAILURE';
  constructor(
    /** Where the expression sits in the subscriber's configuration: `Transformer.JsonataConfiguration.Expression`, `InvokeConfiguration.SqsParameters.MessageGroupId`, ... */
    readonly member: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(`${member}: ${message}`, options);
  }
}

/** The longest expression a member takes: 8,192 characters, a universal target's Input 262,144. */
export const MAX_EXPRESSION_CHARS = 8192;
export const MAX_INPUT_EXPRESSION_CHARS = 262_144;

/** One compiled expression of a subscriber, evaluated per event (or per invocation, over an array of events). */
export interface BusExpression {
  readonly member: string;
  /** The expression's value for `$events`; null and undefined fail. @throws TransformError */
  evaluate(events: unknown): Promise<unknown>;
}

/** `$eval` is not available on the bus: bound over JSONata's own so that calling it fails the expression. */
const NO_EVAL = () => {
  throw Object.assign(new Error('The $eval function is not available in EventBridge JSONata expressions.'), { code: 'D3000' });
};

/**
 * Compiles one `{% %}` expression of the member.
 * @throws AwsError InvalidInputException naming the member, for what CreateSubscriber refuses
 */
export function compileBusExpression(template: string, member: string, maxChars = MAX_EXPRESSION_CHARS): BusExpression {
  if (!isJsonataTemplate(template)) throw invalidInput(`${member} must be a JSONata expression wrapped in {% %}`);
  if (template.length > maxChars)
    throw invalidInput(`${member} is ${template.length} characters: an expression is at most ${maxChars} characters`);
  let compiled: CompiledJsonata;
  try {
    compiled = compileJsonata(template);
  } catch (error) {
    throw invalidInput(`${member} is not a valid JSONata expression: ${(error as Error).message}`, error);
  }
  return {
    member,
    async evaluate(events) {
      let result: unknown;
      try {
        // `$states` stays the empty object: the bus binds nothing but `$events`.
        result = await compiled.evaluate({ states: {}, variables: { events, eval: NO_EVAL } }, member);
      } catch (error) {
        // The Step Functions engine reports it as a States.QueryEvaluationError naming the member: kept as the cause.
        throw new TransformError(member, (error as Error).message, { cause: error });
      }
      if (result === null) throw new TransformError(member, `The JSONata expression '${compiled.text}' produced null.`);
      return result;
    },
  };
}
