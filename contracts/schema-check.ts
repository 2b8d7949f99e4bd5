/**
 * A JSON Schema checker for the schemas TypeBox builds, written to give exactly what
 * `new Ajv({ allErrors: true, strict: true })` gives for them: the same verdict, the same
 * errors (keyword, instancePath, schemaPath, params, message) in the same order. It replaced
 * ajv in the contracts because ajv compiles each schema to JavaScript with its own code
 * generator: ~125 KB (ajv, fast-uri, its helpers) in every handler bundle and its
 * constructor and compiler at every cold start, for the dozen keywords contracts use. This
 * is a closure tree built once per schema (on first use), ~5 KB.
 *
 * The keyword order follows ajv's: untyped keywords (const, enum, not, anyOf, allOf), then
 * the number, string, array and object groups, each in ajv's vocabulary order; a `type`
 * error comes first, unless the schema has one type and keywords of that type's group, in
 * which case it takes that group's place. test/contracts/schema-check.test.ts holds it to
 * ajv on every schema of the contracts and the reference app, with generated values.
 *
 * Anything else (format, $ref, oneOf, if/then, dependencies, ...) is refused when the
 * schema is compiled, as ajv's strict mode refuses unknown keywords and formats.
 */

/** One failed check, in ajv's `ErrorObject` shape. */
export interface SchemaError {
  readonly keyword: string;
  readonly instancePath: string;
  readonly schemaPath: string;
  readonly params: Record<string, unknown>;
  readonly message: string;
}

type Check = (data: unknown, path: string, errors: SchemaError[]) => void;
type Schema = Record<string, unknown>;

/** Keywords that only annotate: ajv reads none of them when validating. */
const ANNOTATIONS = new Set([
  '$id',
  '$schema',
  '$comment',
  'title',
  'description',
  'default',
  'examples',
  'readOnly',
  'writeOnly',
  'deprecated',
  '$defs',
  'definitions',
  'contentMediaType',
  'contentEncoding',
]);
const UNTYPED = ['const', 'enum', 'not', 'anyOf', 'allOf'];
const GROUPS = {
  number: ['maximum', 'minimum', 'exclusiveMaximum', 'exclusiveMinimum', 'multipleOf'],
  string: ['maxLength', 'minLength', 'pattern'],
  array: ['maxItems', 'minItems', 'items', 'uniqueItems'],
  object: ['required', 'additionalProperties', 'properties', 'patternProperties'],
} as const;
type Group = keyof typeof GROUPS;
const KNOWN = new Set<string>(['type', ...UNTYPED, ...Object.values(GROUPS).flat()]);

function isType(type: string, data: unknown): boolean {
  switch (type) {
    case 'string':
      return typeof data === 'string';
    case 'number':
      return typeof data === 'number' && Number.isFinite(data);
    case 'integer':
      return typeof data === 'number' && Number.isFinite(data) && data % 1 === 0;
    case 'boolean':
      return typeof data === 'boolean';
    case 'null':
      return data === null;
    case 'array':
      return Array.isArray(data);
    case 'object':
      return typeof data === 'object' && data !== null && !Array.isArray(data);
    default:
      throw new Error(`schema is invalid: unknown type "${type}"`);
  }
}

/** Deep equality of JSON values, as ajv's (fast-deep-equal). */
function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    if (Array.isArray(a) !== Array.isArray(b)) return false;
    if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => equal(v, b[i]));
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => Object.hasOwn(b, k) && equal((a as Schema)[k], (b as Schema)[k]));
  }
  // biome-ignore lint/suspicious/noSelfCompare: NaN, as fast-deep-equal
  return a !== a && b !== b;
}

/** Length in Unicode code points, as ajv counts it. */
function length(value: string): number {
  let n = 0;
  for (const _ of value) n++;
  return n;
}

/** RFC 6901 escaping of a property name in a JSON pointer, as ajv writes instancePath. */
const pointer = (key: string | number) => `/${String(key).replaceAll('~', '~0').replaceAll('/', '~1')}`;

function error(keyword: string, instancePath: string, schemaPath: string, params: Record<string, unknown>, message: string): SchemaError {
  return { instancePath, schemaPath: `${schemaPath}/${keyword}`, keyword, params, message };
}

function compile(schema: unknown, at: string): Check {
  if (schema === true) return () => undefined;
  if (schema === false) return (_, path, errors) => void errors.push(error('false schema', path, at, {}, 'boolean schema is false'));
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema))
    throw new Error(`schema is invalid: ${at} must be an object or boolean`);
  const s = schema as Schema;
  for (const key of Object.keys(s)) {
    if (!KNOWN.has(key) && !ANNOTATIONS.has(key)) throw new Error(`strict mode: unknown keyword: "${key}" (at ${at})`);
  }
  const types: string[] = s.type === undefined ? [] : Array.isArray(s.type) ? (s.type as string[]) : [s.type as string];
  const groupOf = (type: string): Group | undefined =>
    type === 'integer' ? undefined : (type as Group) in GROUPS ? (type as Group) : undefined;
  const present = (group: Group) => GROUPS[group].some((k) => s[k] !== undefined);
  // ajv checks the type first, unless one type names a group the schema has keywords of.
  const single = types.length === 1 ? groupOf(types[0] as string) : undefined;
  const deferred = single !== undefined && present(single);
  const typeError = (data: unknown, path: string, errors: SchemaError[]) => {
    if (!types.some((t) => isType(t, data))) errors.push(error('type', path, at, { type: s.type }, `must be ${String(s.type)}`));
  };

  const checks: Check[] = [];
  if (types.length > 0 && !deferred) checks.push(typeError);
  for (const key of UNTYPED) if (s[key] !== undefined) checks.push(keyword(key, s, at));
  for (const group of Object.keys(GROUPS) as Group[]) {
    if (!present(group)) continue;
    const inGroup = GROUPS[group].filter((k) => s[k] !== undefined).map((k) => keyword(k, s, at));
    const typeName = group;
    const reportsType = deferred && single === group;
    checks.push((data, path, errors) => {
      if (isType(typeName, data)) for (const check of inGroup) check(data, path, errors);
      else if (reportsType) typeError(data, path, errors);
    });
  }
  return (data, path, errors) => {
    for (const check of checks) check(data, path, errors);
  };
}

/**
 * One keyword's check, compiled from its value: `key` is the keyword (a compiler may serve
 * several), `s` the schema holding it, `at` the schema's path.
 */
type KeywordCompiler = (key: string, value: unknown, s: Schema, at: string) => Check;

/** Limits that compare the value with a number, and ajv's comparison for each. */
const COMPARISONS: Record<string, [string, (d: number, limit: number) => boolean]> = {
  maximum: ['<=', (d, limit) => !(d <= limit)],
  minimum: ['>=', (d, limit) => !(d >= limit)],
  exclusiveMaximum: ['<', (d, limit) => !(d < limit)],
  exclusiveMinimum: ['>', (d, limit) => !(d > limit)],
};

const numberLimit: KeywordCompiler = (key, value, _s, at) => {
  const limit = value as number;
  const [comparison, fails] = COMPARISONS[key] as [string, (d: number, limit: number) => boolean];
  return (data, path, errors) => {
    if (fails(data as number, limit)) errors.push(error(key, path, at, { comparison, limit }, `must be ${comparison} ${limit}`));
  };
};

const stringLength: KeywordCompiler = (key, value, _s, at) => {
  const limit = value as number;
  const max = key === 'maxLength';
  return (data, path, errors) => {
    const n = length(data as string);
    if (max ? n > limit : n < limit) {
      errors.push(error(key, path, at, { limit }, `must NOT have ${max ? 'more' : 'fewer'} than ${limit} characters`));
    }
  };
};

const itemCount: KeywordCompiler = (key, value, _s, at) => {
  const limit = value as number;
  const max = key === 'maxItems';
  return (data, path, errors) => {
    const n = (data as unknown[]).length;
    if (max ? n > limit : n < limit) {
      errors.push(error(key, path, at, { limit }, `must NOT have ${max ? 'more' : 'fewer'} than ${limit} items`));
    }
  };
};

const uniqueItems: KeywordCompiler = (key, value, s, at) => {
  if (value !== true) return () => undefined;
  // ajv's two loops: with scalar item types, a lookup that skips items of another type.
  const item = s.items as Schema | undefined;
  const itemTypes: string[] = item?.type === undefined ? [] : Array.isArray(item.type) ? (item.type as string[]) : [item.type as string];
  const scalar = itemTypes.length > 0 && !itemTypes.some((t) => t === 'object' || t === 'array');
  const duplicate = (path: string, errors: SchemaError[], i: number, j: number) =>
    errors.push(error(key, path, at, { i, j }, `must NOT have duplicate items (items ## ${j} and ${i} are identical)`));
  return (data, path, errors) => {
    const items = data as unknown[];
    if (scalar) {
      const indices: Record<string, number> = {};
      for (let i = items.length; i--; ) {
        const v = items[i];
        if (!itemTypes.some((t) => isType(t, v))) continue;
        const hash = typeof v === 'string' ? `"${v}` : String(v);
        const j = indices[hash];
        if (typeof j === 'number') return void duplicate(path, errors, i, j);
        indices[hash] = i;
      }
      return;
    }
    for (let i = items.length; i--; ) {
      for (let j = i; j--; ) if (equal(items[i], items[j])) return void duplicate(path, errors, i, j);
    }
  };
};

const additionalProperties: KeywordCompiler = (key, value, s, at) => {
  const properties = Object.keys((s.properties as Schema | undefined) ?? {});
  const patterns = Object.keys((s.patternProperties as Schema | undefined) ?? {}).map((p) => new RegExp(p, 'u'));
  const known = (name: string) => properties.includes(name) || patterns.some((p) => p.test(name));
  const extra = value === false ? undefined : compile(value, `${at}/additionalProperties`);
  if (value === true) return () => undefined;
  return (data, path, errors) => {
    for (const name of Object.keys(data as Schema)) {
      if (known(name)) continue;
      if (extra === undefined) {
        errors.push(error(key, path, at, { additionalProperty: name }, 'must NOT have additional properties'));
      } else {
        extra((data as Schema)[name], path + pointer(name), errors);
      }
    }
  };
};

const patternProperties: KeywordCompiler = (_key, value, _s, at) => {
  const checks = Object.entries(value as Schema).map(
    ([pattern, property]) => [new RegExp(pattern, 'u'), compile(property, `${at}/patternProperties${pointer(pattern)}`)] as const,
  );
  return (data, path, errors) => {
    for (const [regex, check] of checks) {
      for (const name of Object.keys(data as Schema)) {
        if (regex.test(name)) check((data as Schema)[name], path + pointer(name), errors);
      }
    }
  };
};

/** Each keyword's compiler: the keywords of UNTYPED and GROUPS, no others. */
const KEYWORDS: Record<string, KeywordCompiler> = {
  const: (key, value, _s, at) => (data, path, errors) => {
    if (!equal(data, value)) errors.push(error(key, path, at, { allowedValue: value }, 'must be equal to constant'));
  },
  enum: (key, value, _s, at) => {
    const values = value as unknown[];
    return (data, path, errors) => {
      if (!values.some((v) => equal(data, v))) {
        errors.push(error(key, path, at, { allowedValues: values }, 'must be equal to one of the allowed values'));
      }
    };
  },
  not: (key, value, _s, at) => {
    const inner = compile(value, `${at}/not`);
    return (data, path, errors) => {
      const scratch: SchemaError[] = [];
      inner(data, path, scratch);
      if (scratch.length === 0) errors.push(error(key, path, at, {}, 'must NOT be valid'));
    };
  },
  anyOf: (key, value, _s, at) => {
    const branches = (value as unknown[]).map((branch, i) => compile(branch, `${at}/anyOf/${i}`));
    return (data, path, errors) => {
      const before = errors.length;
      for (const branch of branches) {
        const count = errors.length;
        branch(data, path, errors);
        if (errors.length === count) {
          errors.length = before; // a valid branch drops the others' errors
          return;
        }
      }
      errors.push(error(key, path, at, {}, 'must match a schema in anyOf'));
    };
  },
  allOf: (_key, value, _s, at) => {
    const all = (value as unknown[]).map((part, i) => compile(part, `${at}/allOf/${i}`));
    return (data, path, errors) => {
      for (const part of all) part(data, path, errors);
    };
  },
  maximum: numberLimit,
  minimum: numberLimit,
  exclusiveMaximum: numberLimit,
  exclusiveMinimum: numberLimit,
  multipleOf: (key, value, _s, at) => {
    const divisor = value as number;
    return (data, path, errors) => {
      if ((data as number) / divisor !== Number.parseInt(String((data as number) / divisor), 10)) {
        errors.push(error(key, path, at, { multipleOf: divisor }, `must be multiple of ${divisor}`));
      }
    };
  },
  maxLength: stringLength,
  minLength: stringLength,
  pattern: (key, value, _s, at) => {
    const regex = new RegExp(value as string, 'u');
    return (data, path, errors) => {
      if (!regex.test(data as string)) errors.push(error(key, path, at, { pattern: value }, `must match pattern "${value}"`));
    };
  },
  maxItems: itemCount,
  minItems: itemCount,
  items: (_key, value, _s, at) => {
    if (Array.isArray(value)) throw new Error(`strict mode: tuple "items" are not supported (at ${at})`);
    const item = compile(value, `${at}/items`);
    return (data, path, errors) => {
      const items = data as unknown[];
      for (let i = 0; i < items.length; i++) item(items[i], path + pointer(i), errors);
    };
  },
  uniqueItems,
  required: (key, value, _s, at) => {
    const names = value as string[];
    return (data, path, errors) => {
      for (const name of names) {
        if ((data as Schema)[name] === undefined) {
          errors.push(error(key, path, at, { missingProperty: name }, `must have required property '${name}'`));
        }
      }
    };
  },
  additionalProperties,
  properties: (_key, value, _s, at) => {
    const checks = Object.entries(value as Schema).map(
      ([name, property]) => [name, compile(property, `${at}/properties${pointer(name)}`)] as const,
    );
    return (data, path, errors) => {
      for (const [name, check] of checks) {
        const v = (data as Schema)[name];
        if (v !== undefined) check(v, path + pointer(name), errors);
      }
    };
  },
  patternProperties,
};

function keyword(key: string, s: Schema, at: string): Check {
  const value = s[key];
  const compileKeyword = Object.hasOwn(KEYWORDS, key) ? KEYWORDS[key] : undefined;
  if (compileKeyword === undefined) throw new Error(`strict mode: unknown keyword: "${key}" (at ${at})`);
  return compileKeyword(key, value, s, at);
}

/** Compiles a schema once; the checker returns the errors, or null when the value is valid. */
export function compileSchema(schema: unknown): (value: unknown) => SchemaError[] | null {
  const check = compile(schema, '#');
  return (value) => {
    const errors: SchemaError[] = [];
    check(value, '', errors);
    return errors.length === 0 ? null : errors;
  };
}
