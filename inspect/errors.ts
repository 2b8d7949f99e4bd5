// The CLI's error, which the pure readers of an app (clients/assembly/) throw too: one class, kept there.
export { CliError, usageError } from '../clients/assembly/errors.js';
