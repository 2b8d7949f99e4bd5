/** A resolver's error as AppSync reports it in `errors[]`: `$util.error`, a data source's failure, a template that fails. */
export class AppSyncResolverError extends Error {
  override readonly name = 'AppSyncResolverError';
  constructor(
    message: string,
    readonly errorType: string | undefined,
    readonly data: unknown = null,
    readonly errorInfo: unknown = null,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** A request no authorization mode of the API lets in: AppSync answers 401 with UnauthorizedException. */
export class AppSyncUnauthorizedError extends Error {
  override readonly name = 'AppSyncUnauthorizedError';
}

/** An error `$util.appendError` (or util.appendError) adds to the response without ending the resolver. */
export interface AppendedError {
  readonly message: string;
  readonly errorType?: string;
  readonly data?: unknown;
  readonly errorInfo?: unknown;
}
