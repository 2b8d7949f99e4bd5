/**
 * An error the CLI reports as one line on stderr (the read API answers it as 400 or 404). `exitCode` 2 is bad input (the user can fix
 * the command line), 1 is everything else (the target refused, something was not found).
 */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 1,
    options?: { readonly cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CliError';
  }
}

/** Bad input: names the option or argument at fault. */
export function usageError(message: string): CliError {
  return new CliError(message, 2);
}
