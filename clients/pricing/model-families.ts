/**
 * Model calls in the cost estimate: which Bedrock model a function or a state calls, read
 * from the template (a model id in a function's environment, as BedrockModel.connect and
 * the agent graph set it, or a Step Functions bedrock:invokeModel task's ModelId), and the
 * price-table family it is priced by.
 */

/** The model providers of Bedrock Runtime's ids (the local Bedrock's catalogue names the same ones). */
const PROVIDERS = [
  'anthropic',
  'amazon',
  'meta',
  'cohere',
  'mistral',
  'ai21',
  'deepseek',
  'openai',
  'qwen',
  'writer',
  'stability',
  'google',
  'minimax',
  'moonshot',
  'moonshotai',
  'nvidia',
  'zai',
  'xai',
  'twelvelabs',
  'luma',
];

/** A Bedrock model id, with an optional cross-region profile prefix; an ARN ends with one. */
const MODEL_ID = new RegExp(`(?:^|/)(?:(?:us|eu|apac|jp|au|ca|us-gov|global)\\.)?((?:${PROVIDERS.join('|')})\\.[A-Za-z0-9.:_-]+)$`);

/** The foundation model id a value names (a model id, a profile id or an ARN of either), if it names one. */
export function foundationModelOf(value: unknown): string | undefined {
  return typeof value === 'string' ? MODEL_ID.exec(value)?.[1] : undefined;
}

/**
 * The price-table families, longest first, so the most specific prefix wins: those priced per
 * token (`bedrock.<family>.input`), per token in batch inference (`batchInput`), or either per
 * token or per image (`bedrock.<family>.image[.<tier>]`, what a local run's calls are priced by).
 */
export function modelFamilies(priceKeys: readonly string[], kind: 'input' | 'batchInput' | 'inputOrImage' = 'input'): string[] {
  const key = {
    input: /^bedrock\.(.+)\.input$/,
    batchInput: /^bedrock\.(.+)\.batchInput$/,
    inputOrImage: /^bedrock\.(.+?)\.(?:input|image(?:\.[a-z0-9]+)*)$/,
  }[kind];
  const families = new Set(
    priceKeys.flatMap((price) => {
      const family = key.exec(price)?.[1];
      return family === undefined ? [] : [family];
    }),
  );
  return [...families].sort((a, b) => b.length - a.length);
}

/** The family a foundation model is priced by: the longest family its id starts with. */
export function familyOf(foundationModel: string, families: readonly string[]): string | undefined {
  return families.find((family) => foundationModel.startsWith(family));
}
