/**
 * Model calls in the cost estimate: which Bedrock model a function or a state calls, read
 * from the template (a model id in a function's environment, as BedrockModel.connect and
 * the agent graph set it, or a Step Functions bedrock:invokeModel task's ModelId), and the
 * price-table family it is priced by.
 */

/** A Bedrock model id, with an optional cross-region profile prefix; an ARN ends with one. */
const MODEL_ID =
  /(?:^|\/)(?:(?:us|eu|apac|jp|au|ca|us-gov|global)\.)?((?:anthropic|amazon|meta|cohere|mistral|ai21|deepseek|openai|qwen|writer)\.[A-Za-z0-9.:_-]+)$/;

/** The foundation model id a value names (a model id, a profile id or an ARN of either), if it names one. */
export function foundationModelOf(value: unknown): string | undefined {
  return typeof value === 'string' ? MODEL_ID.exec(value)?.[1] : undefined;
}

/** The price-table families (`bedrock.<family>.input`), longest first, so the most specific prefix wins. */
export function modelFamilies(priceKeys: readonly string[]): string[] {
  return priceKeys
    .flatMap((key) => {
      const match = /^bedrock\.(.+)\.input$/.exec(key);
      return match?.[1] === undefined ? [] : [match[1]];
    })
    .sort((a, b) => b.length - a.length);
}

/** The family a foundation model is priced by: the longest family its id starts with. */
export function familyOf(foundationModel: string, families: readonly string[]): string | undefined {
  return families.find((family) => foundationModel.startsWith(family));
}
