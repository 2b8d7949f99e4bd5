import { AppSyncResolverError } from '../errors.js';

/**
 * What AppSync answers when a resolver's code fails rather than raising `util.error`: errorType
 * `Code`, the JavaScript error in the message (an AppSync community report shows
 * `"errorType": "Code"` with `"message": "code.js:162:13: ReferenceError: ... is not defined"`,
 * https://github.com/aws/aws-appsync-community/issues/328). The local evaluator raises it also
 * for code that cannot load (does not parse, imports what APPSYNC_JS has not), which AWS
 * refuses when the resolver is created.
 */
export function codeError(message: string, cause?: unknown): AppSyncResolverError {
  return new AppSyncResolverError(message, 'Code', null, null, cause === undefined ? undefined : { cause });
}
