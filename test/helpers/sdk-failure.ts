/**
 * The error an AWS SDK call fails with, as the SDK reports it: its code (the error's name), its
 * message and its HTTP status, for `expect(...).toEqual`/`toMatchObject`.
 * @throws Error when the call succeeds
 */
export async function sdkFailure(call: Promise<unknown>): Promise<{ code: string; message: string; status?: number }> {
  try {
    await call;
  } catch (error) {
    const e = error as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { code: e.name, message: e.message, status: e.$metadata?.httpStatusCode };
  }
  throw new Error('the call succeeded');
}
