/** An AWS JSON 1.1 call to the local Cognito, as the SDK's client makes it (the SDK's package is not a dependency here). */
// biome-ignore lint/suspicious/noExplicitAny: an answer is JSON the tests read member by member and check with expect
export type Answer = Record<string, any>;

export type CognitoCall = (operation: string, input: Record<string, unknown>) => Promise<Answer>;

export class CognitoCallError extends Error {
  override readonly name = 'CognitoCallError';
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export function cognitoClient(url: string): CognitoCall {
  return async (operation, input) => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSCognitoIdentityProviderService.${operation}` },
      body: JSON.stringify(input),
    });
    const body = (await response.json()) as Answer;
    if (response.ok) return body;
    const code =
      String(body.__type ?? '')
        .split('#')
        .pop() ?? '';
    throw new CognitoCallError(code, String(body.message ?? body.Message ?? ''), response.status);
  };
}

/** The error a call fails with, for `expect(...).toMatchObject`. */
export async function failure(call: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await call;
  } catch (error) {
    if (error instanceof CognitoCallError) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('the call succeeded');
}
