/**
 * The Amazon States Language's JSON Schema check (asl-validator), as CreateStateMachine's
 * first pass: the schema's refusals, less those of fields the schema predates.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
type AslValidator = (definition: unknown) => {
  isValid: boolean;
  errors: { 'Error code': string; Message: string; schemaError?: { instancePath?: string } }[];
};
let aslValidator: AslValidator | undefined;

/** Why asl-validator refuses a definition, as `<Error code>: <Message>`, leaving out what AWS accepts; undefined when it does not. */
export function aslValidatorRejection(definition: object): string | undefined {
  aslValidator ??= (() => {
    const mod = require('asl-validator') as AslValidator | { default: AslValidator };
    return typeof mod === 'function' ? mod : mod.default;
  })();
  // asl-validator writes default QueryLanguage fields into what it is given: a copy, walked anyway.
  const { isValid, errors } = aslValidator(asJaywayReadsPaths(definition, ''));
  if (isValid) return undefined;
  // asl-validator predates variables, JSONata values (a choice rule's literal `"Condition": true`
  // among them), fractional percentages, a ReaderConfig's MaxItems of 0 (no limit) and a ResultWriter with
  // only a WriterConfig: AWS accepts
  // what these errors complain about, and the checks below cover the rest.
  const tolerated = (p: string, m: string) =>
    /\/(Assign|Output|Arguments|Items|ItemSelector|ResultWriter|Condition)(\/|$)/.test(p) ||
    /ToleratedFailurePercentage|MaxConcurrency|ToleratedFailureCount|TimeoutSeconds|HeartbeatSeconds|Seconds|Timestamp|MaxItems/.test(p) ||
    /\/Type$/.test(p) ||
    /must match exactly one schema|must be equal to one of the allowed values/.test(m);
  const real = errors.filter(
    (e) => !(e['Error code'] === 'SCHEMA_VALIDATION_FAILED' && tolerated(e.schemaError?.instancePath ?? '', e.Message)),
  );
  const first = real[0];
  return first ? `${first['Error code']}: ${first.Message}` : undefined;
}

/** The fields whose strings are JSONPath: payload templates' `<name>.$`, the `...Path` fields, a choice rule's Variable. */
const PATH_FIELD = /\.\$$|Path$|^Variable$/;

/**
 * A copy of the definition with each JSONPath field's `.[` written `[`, as Jayway reads it
 * (its readDotToken reads whatever token follows a dot: `$.[0].body` is `$[0].body`), which
 * asl-validator's path grammar refuses. The engine compiles the paths themselves afterwards.
 */
function asJaywayReadsPaths(value: unknown, key: string): unknown {
  if (typeof value === 'string') return PATH_FIELD.test(key) ? value.replaceAll('.[', '[') : value;
  if (Array.isArray(value)) return value.map((item) => asJaywayReadsPaths(item, key));
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, asJaywayReadsPaths(v, k)]));
}
