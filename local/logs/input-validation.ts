import { modelValidator, violationsMessage } from '../endpoint/validation/validator.js';
import { invalidParameter } from './validation.js';

/**
 * CloudWatch Logs' request checks from its model. Constraint violations are an
 * InvalidParameterException worded as AWS's request layer words them (`1 validation error
 * detected: Value '[]' at 'logEvents' failed to satisfy constraint: ...`); a member of the
 * wrong JSON type is the deserializer's SerializationException, as for every JSON service.
 */
export const validateLogsInput = modelValidator('logs', {
  // `Value '' at 'logGroupNamePrefix'` fails both its pattern (`[\.\-_/#A-Za-z0-9]+`) and its length, as AWS answers.
  emptyValuePatterns: true,
  violations: (violations) => invalidParameter(violationsMessage(violations)),
});
