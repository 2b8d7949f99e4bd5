import type { TSchema } from '../contracts/index.js';
import { type ValidationResult, validatorFor } from '../contracts/validator.js';
import { REGISTRY_IDEMPOTENCY_FIELDS } from '../contracts/wiring.js';
import { type CloudAssembly, resourcesOfType } from './assembly.js';

/**
 * An event contract as the app's cloud assembly publishes it: the EventHub construct puts
 * every contract in its schema registry (an AWS::EventSchemas::Schema of the whole envelope,
 * JSON Schema draft-04, from `registrySchema` in contracts/contract.ts). That is how the CLI
 * knows any app's contracts without importing the app.
 */
export interface AssemblyContract {
  readonly detailType: string;
  readonly source: string;
  readonly description?: string;
  /** JSON Schema of `detail`, back in the form the contract defined it (see fromDraft4). */
  readonly schema: Record<string, unknown>;
  /** The fields that identify the fact (the contract's `idempotencyFields`); absent from an assembly synthesized before they were published. */
  readonly idempotencyFields?: readonly string[];
  /** Checks a detail as the contract's own `validate` does (the same ajv settings, contracts/contract.ts). */
  validate(detail: unknown): ValidationResult<object>;
}

/** The contracts the assembly's schema registries publish, in template order; the first of a detail-type wins. */
export function contractsInAssembly(assembly: CloudAssembly): AssemblyContract[] {
  const contracts = new Map<string, AssemblyContract>();
  for (const resource of resourcesOfType(assembly, 'AWS::EventSchemas::Schema')) {
    const { Type: type, Content: content } = resource.properties;
    // Only the registry's JSON Schema documents written out in the template (not OpenAPI, not tokens).
    if (type !== 'JSONSchemaDraft4' || typeof content !== 'string') continue;
    let document: Record<string, unknown>;
    try {
      document = JSON.parse(content) as Record<string, unknown>;
    } catch {
      continue;
    }
    const properties = (document.properties ?? {}) as Record<string, Record<string, unknown> | undefined>;
    const detailType = onlyValue(properties['detail-type']) ?? (typeof document.title === 'string' ? document.title : undefined);
    const detail = properties.detail;
    if (detailType === undefined || detail === undefined || contracts.has(detailType)) continue;
    const schema = fromDraft4(detail) as Record<string, unknown>;
    const keys = document[REGISTRY_IDEMPOTENCY_FIELDS];
    contracts.set(detailType, {
      detailType,
      source: onlyValue(properties.source) ?? '',
      ...(typeof document.description === 'string' ? { description: document.description } : {}),
      schema,
      ...(Array.isArray(keys) && keys.every((k) => typeof k === 'string') ? { idempotencyFields: keys } : {}),
      validate: validatorFor(schema as TSchema) as AssemblyContract['validate'],
    });
  }
  return [...contracts.values()];
}

/** The one value an envelope field's schema allows (`{ "enum": ["TicketCreated"] }`). */
function onlyValue(schema: Record<string, unknown> | undefined): string | undefined {
  const values = schema?.enum;
  return Array.isArray(values) && values.length === 1 && typeof values[0] === 'string' ? values[0] : undefined;
}

/**
 * A draft-04 schema in the dialect the contracts' ajv (draft-07, strict) compiles: the
 * inverse of `toDraft4` (a one-value `enum` is the `const` it was written from), `id` as
 * `$id`, and boolean `exclusiveMinimum`/`exclusiveMaximum` as the numbers they bound with.
 * The `$schema` of the document is dropped: ajv 8 does not know draft-04's.
 */
export function fromDraft4(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(fromDraft4);
  if (schema === null || typeof schema !== 'object') return schema;
  const s = schema as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(s)) {
    if (key === '$schema') continue;
    if (key === 'enum' && Array.isArray(value) && value.length === 1) out.const = value[0];
    else if (key === 'id' && typeof value === 'string') out.$id = value;
    else if ((key === 'exclusiveMinimum' || key === 'exclusiveMaximum') && typeof value === 'boolean') {
      const bound = key === 'exclusiveMinimum' ? 'minimum' : 'maximum';
      if (value && typeof s[bound] === 'number') out[key] = s[bound];
    } else if (key === 'properties' || key === 'patternProperties' || key === 'definitions') {
      out[key] = Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([name, inner]) => [name, fromDraft4(inner)]));
    } else out[key] = fromDraft4(value);
  }
  // The bound an exclusive keyword took over is no longer a bound of its own.
  for (const [exclusive, bound] of [
    ['exclusiveMinimum', 'minimum'],
    ['exclusiveMaximum', 'maximum'],
  ] as const) {
    if (s[exclusive] === true && typeof s[bound] === 'number') delete out[bound];
  }
  return out;
}
