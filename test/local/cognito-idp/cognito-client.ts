import type { Clock } from '../../../local/time/clock.js';
import { restartableRuntime } from '../restartable-runtime.js';

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

/**
 * The suite's runtime on the app `assembly` writes (restartableRuntime: started before its tests,
 * stopped after them, `restart` on the same data folder), and `call`, a Cognito call to the
 * runtime that runs now.
 */
export function useCognitoRuntime(assembly: () => string, options: { readonly clock?: Clock } = {}) {
  const suite = restartableRuntime({ assembly, ownsAssembly: true, options });
  const call: CognitoCall = (operation, input) => cognitoClient(suite.runtime.url)(operation, input);
  /** The code in the last mail to `address` in the runtime's mailbox (SES's), as a sign-up or a reset mails it. */
  const mailedCode = (address: string): string => {
    const [mail] = suite.runtime.ses.mailbox.list({ limit: 1, address }).messages;
    if (mail === undefined) throw new Error(`no mail to ${address}`);
    const code = /code is (\d{6})/.exec(suite.runtime.ses.mailbox.get(mail.id)?.raw.toString() ?? '')?.[1];
    if (code === undefined) throw new Error(`no code in the last mail to ${address}`);
    return code;
  };
  return { suite, call, mailedCode };
}
