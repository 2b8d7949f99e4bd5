/**
 * HTTP APIs' Lambda authorizers: the event (payload format 1.0 or 2.0) and how the function's
 * answer is read: a simple response (`{isAuthorized, context}`, 2.0 with
 * `EnableSimpleResponses`) or an IAM policy (`principalId`, `policyDocument`, `context`)
 * evaluated against the route's ARN.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-lambda-authorizer.html
 */

/** The function's answer as it is kept (and cached): the decision is made per route from it. */
export type AuthorizerAnswer =
  | { readonly kind: 'simple'; readonly isAuthorized: boolean; readonly context: Readonly<Record<string, unknown>> }
  | {
      readonly kind: 'policy';
      readonly principalId?: string;
      readonly statements: readonly PolicyStatement[];
      readonly context: Readonly<Record<string, unknown>>;
    };

export interface PolicyStatement {
  readonly effect: 'Allow' | 'Deny';
  readonly actions: readonly string[];
  readonly resources: readonly string[];
}

/** The function answered something API Gateway cannot read as an authorizer response: 500. */
export class AuthorizerResponseError extends Error {
  override readonly name = 'AuthorizerResponseError';
}

/** `arn:aws:execute-api:{region}:{account}:{api-id}/{stage}/{METHOD}{path}`, what a policy's Resource is matched against. */
export function routeArn(r: { region: string; accountId: string; apiId: string; stage: string; method: string; path: string }): string {
  return `arn:aws:execute-api:${r.region}:${r.accountId}:${r.apiId}/${r.stage}/${r.method}${r.path}`;
}

/** Reads the function's JSON answer; AuthorizerResponseError for one of neither shape. */
export function authorizerAnswerOf(payload: string, simpleResponses: boolean): AuthorizerAnswer {
  let result: unknown;
  try {
    result = JSON.parse(payload);
  } catch (error) {
    throw new AuthorizerResponseError('the authorizer did not answer JSON', { cause: error });
  }
  if (result === null || typeof result !== 'object') throw new AuthorizerResponseError('the authorizer did not answer an object');
  const r = result as Record<string, unknown>;
  const context = r.context !== null && typeof r.context === 'object' ? (r.context as Record<string, unknown>) : {};
  if (simpleResponses && typeof r.isAuthorized === 'boolean') return { kind: 'simple', isAuthorized: r.isAuthorized, context };
  const document = r.policyDocument as { Statement?: unknown } | undefined;
  if (document === undefined || document === null || typeof document !== 'object') {
    throw new AuthorizerResponseError(
      simpleResponses
        ? 'the authorizer answered neither isAuthorized (a boolean) nor a policyDocument'
        : 'the authorizer answered no policyDocument',
    );
  }
  const statements = [document.Statement ?? []].flat().map((s): PolicyStatement => {
    const statement = (s ?? {}) as Record<string, unknown>;
    const effect = statement.Effect;
    if (effect !== 'Allow' && effect !== 'Deny') throw new AuthorizerResponseError(`a policy statement's Effect is ${String(effect)}`);
    return { effect, actions: [statement.Action ?? []].flat().map(String), resources: [statement.Resource ?? []].flat().map(String) };
  });
  return { kind: 'policy', ...(typeof r.principalId === 'string' ? { principalId: r.principalId } : {}), statements, context };
}

/** Whether the answer lets the request to `arn` through: an explicit Deny wins, then any Allow; nothing matching denies. */
export function isAllowed(answer: AuthorizerAnswer, arn: string): boolean {
  if (answer.kind === 'simple') return answer.isAuthorized;
  const applies = (s: PolicyStatement) =>
    s.actions.some((action) => wildcard(action).test('execute-api:Invoke')) && s.resources.some((resource) => wildcard(resource).test(arn));
  const matching = answer.statements.filter(applies);
  if (matching.some((s) => s.effect === 'Deny')) return false;
  return matching.some((s) => s.effect === 'Allow');
}

/** IAM's `*` (any run of characters) and `?` (one character). */
function wildcard(pattern: string): RegExp {
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, 'i');
}

/**
 * The authorizer's event from the integration's event for the same request (format 2.0's
 * `lambdaEvent`, 1.0's `v1Event`): the request without its body, with the type, the route's
 * ARN and the identity source's values.
 */
export function authorizerEvent(
  version: '1.0' | '2.0',
  integrationEvent: Record<string, unknown>,
  arn: string,
  identity: readonly string[],
): Record<string, unknown> {
  const { body: _body, isBase64Encoded: _encoded, version: _version, ...request } = integrationEvent;
  if (version === '2.0') return { version: '2.0', type: 'REQUEST', routeArn: arn, identitySource: [...identity], ...request };
  const joined = identity.join(',');
  return { version: '1.0', type: 'REQUEST', methodArn: arn, identitySource: joined, authorizationToken: joined, ...request };
}
