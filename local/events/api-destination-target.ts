import { AwsError } from '../endpoint/aws-error.js';
import type { LoadedApp } from '../template/load.js';
import type { ApiDestinationCaller, HttpAnswer } from './api-destination-call.js';
import type { ApiDestinationDefinition } from './api-destinations.js';
import type { EventEnvelope, TargetDefinition } from './definitions.js';
import { dynamicParameter } from './input-transform.js';

/**
 * An API destination's answer that is not a 2xx. EventBridge retries 401, 407, 409, 429 and
 * 5xx answers under the target's retry policy and sends an event any other answer refused to the
 * dead-letter queue at once (eb-api-destinations, "Error handling").
 */
export class ApiDestinationAnswerError extends AwsError {
  override readonly name = 'ApiDestinationAnswerError';
  readonly retryable: boolean;
  constructor(destination: string, answer: HttpAnswer) {
    super('ApiDestinationError', `API destination ${destination} answered ${answer.status}: ${answer.body.slice(0, 300)}`, answer.status);
    this.retryable = [401, 407, 409, 429].includes(answer.status) || answer.status >= 500;
  }
}

/** The template's API destinations, and why each of those that cannot be called locally cannot. */
export interface ApiDestinations {
  readonly destinations: ReadonlyMap<string, ApiDestinationDefinition>;
  readonly problems: ReadonlyMap<string, string>;
}

/**
 * A rule's API destination targets: the target's input as the request's body, its
 * HttpParameters (path parameter values, headers, query string; a `$.` value read from the
 * event) beside the connection's own, through the caller pipes share (its connection's
 * authorization, EventBridge's 5-second timeout). A destination the runtime cannot call (its
 * connection's secret is not in the template, its endpoint is not on this machine) fails its
 * deliveries with the reason, named at start-up too.
 */
export class ApiDestinationTargets {
  constructor(
    private readonly known: ApiDestinations,
    private readonly caller: ApiDestinationCaller,
  ) {}

  async deliver(target: TargetDefinition, input: string, event: EventEnvelope): Promise<void> {
    const destination = this.known.destinations.get(target.arn);
    if (destination === undefined)
      throw new AwsError(
        'ApiDestinationNotRunLocally',
        this.known.problems.get(target.arn) ?? `${target.arn} is not an AWS::Events::ApiDestination of the app`,
        500,
      );
    const parameters = target.httpParameters ?? {};
    const resolve = (value: string) => dynamicParameter(value, event) ?? '';
    const each = (entries: Readonly<Record<string, string>> | undefined) =>
      Object.fromEntries(Object.entries(entries ?? {}).map(([name, value]) => [name, resolve(value)]));
    const answer = await this.caller.call(destination, {
      pathParameters: (parameters.pathParameterValues ?? []).map(resolve),
      headers: each(parameters.headerParameters),
      query: each(parameters.queryStringParameters),
      body: input,
    });
    if (answer.status < 200 || answer.status > 299) throw new ApiDestinationAnswerError(destination.name, answer);
  }
}

/** A warning for each rule target naming an API destination the runtime cannot call: its deliveries fail with the reason. */
export function apiDestinationTargetWarnings(app: LoadedApp, known: ApiDestinations): string[] {
  return app.stacks
    .flatMap((stack) => stack.resources)
    .filter((r) => r.type === 'AWS::Events::Rule')
    .flatMap((rule) =>
      ((rule.properties.Targets as { Id?: unknown; Arn?: unknown }[] | undefined) ?? []).flatMap((target) => {
        const problem = known.problems.get(String(target.Arn));
        return problem === undefined
          ? []
          : [
              `${rule.stackName}/${rule.logicalId} (AWS::Events::Rule): target ${String(target.Id)} is not called locally: ${problem}; its deliveries fail and are retried, then go to its dead-letter queue`,
            ];
      }),
    );
}
