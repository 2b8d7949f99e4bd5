/**
 * The credentials the console signs with. The local runtime accepts any unless it was
 * started with --verify-signatures; then the page asks for a configured key once per tab
 * (kept in sessionStorage, gone when the tab closes; never in localStorage or a cookie).
 */
export interface ConsoleCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly region: string;
}

const KEY = 'switchyard.console.credentials';
export const DEFAULT_CREDENTIALS: ConsoleCredentials = { accessKeyId: 'local', secretAccessKey: 'local', region: 'us-east-1' };

/** The tab's sessionStorage (read through globalThis, so that Node tests can run without one). */
function storage():
  | { getItem(key: string): string | null; setItem(key: string, value: string): void; removeItem(key: string): void }
  | undefined {
  return (globalThis as { sessionStorage?: ReturnType<typeof storage> }).sessionStorage;
}

export function currentCredentials(): ConsoleCredentials {
  try {
    const stored = JSON.parse(storage()?.getItem(KEY) ?? 'null') as Partial<ConsoleCredentials> | null;
    if (stored?.accessKeyId && stored.secretAccessKey) {
      return { accessKeyId: stored.accessKeyId, secretAccessKey: stored.secretAccessKey, region: stored.region || 'us-east-1' };
    }
  } catch {
    // unreadable: fall back to the defaults
  }
  return DEFAULT_CREDENTIALS;
}

export function saveCredentials(credentials: ConsoleCredentials): void {
  storage()?.setItem(KEY, JSON.stringify(credentials));
}

export function forgetCredentials(): void {
  storage()?.removeItem(KEY);
}

/** The error codes an endpoint answers for a missing, unknown or wrong signature. */
export const SIGNATURE_ERRORS = new Set([
  'MissingAuthenticationTokenException',
  'MissingAuthenticationToken',
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'IncompleteSignatureException',
  'IncompleteSignature',
]);
