/** A Lambda function's ARN from an integration URI: the ARN itself, or API Gateway's `.../functions/<arn>/invocations` form. */
export function lambdaArnOf(uri: string): string | undefined {
  const wrapped = /:lambda:path\/2015-03-31\/functions\/(arn:[^/]+)\/invocations$/.exec(uri);
  if (wrapped) return wrapped[1];
  return /^arn:[^:]+:lambda:/.test(uri) ? uri : undefined;
}
