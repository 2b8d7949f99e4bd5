/**
 * Who invokes: API Gateway for the method or authorizer whose `execute-api` ARN is
 * `sourceArn` (what a function's permission for `apigateway.amazonaws.com` is matched
 * against), or the integration's credentials role when it has one.
 */
export interface ApiGatewayCaller {
  readonly sourceArn: string;
  readonly roleArn?: string;
}

/** An authorizer's `execute-api` ARN (`.../<api-id>/authorizers/<id>`), from the ARN of a route or method of its API. */
export function authorizerSourceArn(routeOrMethodArn: string, authorizerId: string): string {
  return `${routeOrMethodArn.split('/')[0]}/authorizers/${authorizerId}`;
}

/** What the service needs of Lambda: a synchronous invocation (the in-process form of Invoke). */
export interface LambdaInvoker {
  /**
   * Rejects, invoking nothing, when IAM refuses the caller the invocation (API Gateway answers 500).
   * `Event` (a Lambda non-proxy integration's `X-Amz-Invocation-Type` header) queues the
   * event for an asynchronous invocation and answers at once, with an empty payload.
   */
  invoke(
    functionNameOrArn: string,
    event: unknown,
    caller?: ApiGatewayCaller,
    invocationType?: 'Event' | 'RequestResponse',
  ): Promise<{ readonly ok: true; readonly payload: string } | { readonly ok: false; readonly error: unknown }>;
}
