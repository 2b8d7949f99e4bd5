import type { Static, TObject, TProperties, TSchema } from 'typebox';
// The builders through a namespace import, not TypeBox's default export (the `Type` object that
// index.ts re-exports for apps): esbuild keeps only the builders called through a namespace
// import (~8 KB), and all of TypeBox (~75 KB, parsed at every cold start) for a call through
// that object. The schemas are the same either way.
import * as Type from 'typebox';
import { type ValidationResult, validatorFor } from './validator.js';
import { REGISTRY_IDEMPOTENCY_FIELDS } from './wiring.js';

/**
 * Metadata every Switchyard event may carry in `detail.metadata`. EventBridge
 * has no headers, so tracing context travels inside the detail; `emit()` fills
 * it in from the event that triggered the emitting handler.
 */
// Pure: a bundle that never defines a contract (the workflow starter, which rebuilds its
// contracts from JSON) leaves TypeBox out: 77 KB of that bundle, loaded at every cold start.
export const EventMetadataSchema = /* @__PURE__ */ Type.Object(
  {
    /** Id shared by every event that descends from one original event. */
    correlationId: /* @__PURE__ */ Type.String({ minLength: 1, maxLength: 256 }),
    /** EventBridge id of the event that directly caused this one. */
    causationId: /* @__PURE__ */ Type.Optional(/* @__PURE__ */ Type.String({ minLength: 1, maxLength: 256 })),
    /**
     * W3C trace context (`00-<trace id>-<span id>-<flags>`) of the span that emitted the event,
     * when the emitting function records OpenTelemetry spans: the hops AWS does not continue a
     * trace through (a queue to its consumer, a transactional outbox's pipe) are linked by it.
     */
    traceparent: /* @__PURE__ */ Type.Optional(
      /* @__PURE__ */ Type.String({ pattern: '^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$' }),
    ),
  },
  { additionalProperties: false },
);
export type EventMetadata = Static<typeof EventMetadataSchema>;

type WithMetadata<P extends TProperties> = P & {
  metadata: ReturnType<typeof Type.Optional<typeof EventMetadataSchema>>;
};

export interface EventContractOptions<P extends TProperties> {
  /** The EventBridge `detail-type`; unique across all contracts. */
  readonly detailType: string;
  /** The EventBridge `source` producers of this event use. */
  readonly source: string;
  /** One sentence on what happened; published with the schema. */
  readonly description: string;
  /** The properties of `detail`. Unknown extra properties are allowed (producers may add fields). */
  readonly properties: P;
  /**
   * The fields of `detail` that identify the business fact, so that two deliveries of the
   * same fact (a retried webhook produces two EventBridge events with different ids) are
   * recognised as duplicates.
   * @default - the EventBridge event id
   */
  readonly idempotencyFields?: readonly (keyof P & string)[];
}

/**
 * One source of truth for an event: the TypeScript type (`Detail<typeof C>`), the runtime
 * validator (`C.validate`) and the JSON Schema published to the schema registry (`C.schema`).
 */
/** Any contract, whatever its detail type: what registries and routers hold. */
export interface AnyEventContract {
  readonly detailType: string;
  readonly source: string;
  readonly description: string;
  readonly schema: TSchema;
  readonly idempotencyFields?: readonly string[];
  validate(detail: unknown): ValidationResult<object>;
}

export interface EventContract<P extends TProperties = TProperties> extends AnyEventContract {
  readonly detailType: string;
  readonly source: string;
  readonly description: string;
  /** JSON Schema of `detail`. */
  readonly schema: TObject<WithMetadata<P>>;
  readonly idempotencyFields?: readonly (keyof P & string)[];
  /** Checks a `detail` value; never throws. */
  validate(detail: unknown): ValidationResult<Static<TObject<WithMetadata<P>>>>;
}

/** The TypeScript type of a contract's `detail`. */
export type Detail<C> = C extends EventContract<infer P> ? Static<TObject<WithMetadata<P>>> : Record<string, unknown>;

/**
 * A contract that cannot key its events: an idempotency field its schema does not have.
 * Every event would be keyed on a value it never carries (`OrderPlaced#orderNumber=undefined`),
 * so the second event would be taken for the first and skipped as a duplicate.
 */
export class InvalidContract extends Error {
  override readonly name = 'InvalidContract';
  constructor(
    /** The contract's detail-type. */
    readonly detailType: string,
    /** The idempotency field its schema has no property for. */
    readonly field: string,
    /** The properties its schema has. */
    readonly properties: readonly string[],
  ) {
    super(
      `contract ${detailType}: idempotencyFields names ${JSON.stringify(field)}, which is not a property of its detail; ` +
        `its properties are ${properties.join(', ') || '(none)'} (an idempotency field is a top-level property, not a path)`,
    );
  }
}

/**
 * Checks a contract's idempotency fields against its schema: each must be a top-level
 * property of `detail` (idempotencyKeyOf reads `detail[field]`, never a path). Returns the
 * ones the schema does not require: an event may lack them, and such an event cannot be
 * keyed (idempotencyKeyOf refuses it), so a construct warns about them at synth.
 * @throws InvalidContract for a field the schema does not have
 */
export function checkIdempotencyFields(contract: Pick<AnyEventContract, 'detailType' | 'schema' | 'idempotencyFields'>): string[] {
  const fields = contract.idempotencyFields ?? [];
  if (fields.length === 0) return [];
  const schema = contract.schema as { properties?: unknown; required?: unknown };
  const properties = typeof schema.properties === 'object' && schema.properties !== null ? Object.keys(schema.properties) : [];
  const required = Array.isArray(schema.required) ? schema.required : [];
  for (const field of fields) {
    if (!properties.includes(field)) throw new InvalidContract(contract.detailType, field, properties);
  }
  return fields.filter((field) => !required.includes(field));
}

export function defineContract<const P extends TProperties>(options: EventContractOptions<P>): EventContract<P> {
  const schema = Type.Object({ ...options.properties, metadata: Type.Optional(EventMetadataSchema) } as WithMetadata<P>, {
    additionalProperties: true,
    description: options.description,
  });
  // Here, where the contract is written, not at the first event: esbuild and tsx do not type-check,
  // so a misspelt field (which the type `keyof P` would refuse) reaches synthesis otherwise.
  checkIdempotencyFields({ detailType: options.detailType, schema, idempotencyFields: options.idempotencyFields });
  return {
    detailType: options.detailType,
    source: options.source,
    description: options.description,
    schema,
    idempotencyFields: options.idempotencyFields,
    // Compiled on first use so that importing contracts (CDK synth does) stays cheap.
    validate: validatorFor(schema),
  };
}

/** A contract as plain JSON: what a construct hands a packaged handler (the workflow starter) at bundle time. */
export interface ContractDefinition {
  readonly detailType: string;
  readonly source: string;
  readonly description: string;
  /** JSON Schema of `detail` (the contract's `schema`, as JSON). */
  readonly schema: Record<string, unknown>;
  readonly idempotencyFields?: readonly string[];
}

/** The JSON form of a contract, from which `contractFromDefinition` rebuilds an equal one. */
export function contractDefinition(contract: AnyEventContract): ContractDefinition {
  return {
    detailType: contract.detailType,
    source: contract.source,
    description: contract.description,
    schema: JSON.parse(JSON.stringify(contract.schema)) as Record<string, unknown>,
    ...(contract.idempotencyFields === undefined ? {} : { idempotencyFields: [...contract.idempotencyFields] }),
  };
}

/**
 * A contract rebuilt from its JSON form: it validates and keys events exactly as the original does.
 * @throws InvalidContract for an idempotency field its schema does not have
 */
export function contractFromDefinition(definition: ContractDefinition): AnyEventContract {
  const schema = definition.schema as TSchema;
  checkIdempotencyFields({ detailType: definition.detailType, schema, idempotencyFields: definition.idempotencyFields });
  return {
    detailType: definition.detailType,
    source: definition.source,
    description: definition.description,
    schema,
    idempotencyFields: definition.idempotencyFields,
    validate: validatorFor(schema) as AnyEventContract['validate'],
  };
}

/**
 * The schema registry document for a contract: the whole EventBridge envelope, in
 * JSON Schema draft-04 (one of the two formats the registry accepts), and its idempotency
 * fields under REGISTRY_IDEMPOTENCY_FIELDS (an unknown keyword, which draft-04 allows).
 */
export function registrySchema(contract: AnyEventContract): Record<string, unknown> {
  return {
    $schema: 'http://json-schema.org/draft-04/schema#',
    title: contract.detailType,
    description: contract.description,
    type: 'object',
    required: ['detail-type', 'source', 'detail'],
    properties: {
      'detail-type': { type: 'string', enum: [contract.detailType] },
      source: { type: 'string', enum: [contract.source] },
      detail: toDraft4(contract.schema),
    },
    ...((contract.idempotencyFields ?? []).length === 0 ? {} : { [REGISTRY_IDEMPOTENCY_FIELDS]: [...(contract.idempotencyFields ?? [])] }),
  };
}

/** Rewrites the few draft-06+ keywords TypeBox emits into their draft-04 spelling. */
function toDraft4(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(toDraft4);
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'const') out.enum = [value];
    else out[key] = toDraft4(value);
  }
  return out;
}
