/** A Lambda function's ARN from an integration URI: the ARN itself, or API Gateway's `.../functions/<arn>/invocations` form. */
export function lambdaArnOf(uri: string): string | undefined {
  const wrapped = /:lambda:path\/2015-03-31\/functions\/(arn:[^/]+)\/invocations$/.exec(uri);
  if (wrapped) return wrapped[1];
  return /^arn:[^:]+:lambda:/.test(uri) ? uri : undefined;
}

/**
 * The function of a Lambda proxy integration for response streaming: API Gateway invokes it with
 * InvokeWithResponseStream, whose URI is `.../2021-11-15/functions/<arn>/response-streaming-invocations`
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/response-transfer-mode-lambda.html).
 */
export function streamingLambdaArnOf(uri: string): string | undefined {
  return /:lambda:path\/2021-11-15\/functions\/(arn:[^/]+)\/response-streaming-invocations$/.exec(uri)?.[1];
}
