/** The Lambda operations the kit's subset of the client sends (lambdas/kit/durable-lambda-client.ts). */
export declare const OPERATIONS: readonly string[];
/** The modeled errors the subset exports as classes. */
export declare const ERRORS: readonly string[];
/** lambdas/kit/durable-lambda-schemas.ts as generated from `sdk`, the exports of @aws-sdk/client-lambda. */
export declare function generate(sdk: Record<string, unknown>): string;
