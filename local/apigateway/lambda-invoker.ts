/** What the service needs of Lambda: a synchronous invocation (the in-process form of Invoke). */
export interface LambdaInvoker {
  invoke(
    functionNameOrArn: string,
    event: unknown,
  ): Promise<{ readonly ok: true; readonly payload: string } | { readonly ok: false; readonly error: unknown }>;
}
