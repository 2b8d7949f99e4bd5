#!/usr/bin/env node
// Writes lambdas/kit/durable-lambda-schemas.ts: the schemas of the few Lambda operations the
// kit's subset of the Lambda client sends (lambdas/kit/durable-lambda-client.ts), copied out of
// the installed @aws-sdk/client-lambda, and the error registries that answer them.
//
// Why a copy: the client package keeps every schema of the service in one module
// (dist-es/schemas/schemas_0.js), written with computed keys (`{ [_h]: ... }`) that esbuild
// cannot prove free of side effects, so a bundle that sends two operations carries all ~420
// shapes and every error class (~60 KB minified). This copy holds only what these operations
// reach. test/lambdas/durable-lambda-schemas.test.ts regenerates it and fails when it differs
// from the installed SDK's (after an SDK update: `node scripts/generate-lambda-subset.mjs`).
//
//   node scripts/generate-lambda-subset.mjs            # writes the file
//   node scripts/generate-lambda-subset.mjs --stdout   # prints it
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * The operations the subset sends: the durable execution SDK's two, the durable starter's
 * Invoke, and the history of a fork's parent, which a DurableFlow reads (kit/durable-forks.ts).
 */
export const OPERATIONS = ['CheckpointDurableExecution', 'GetDurableExecutionHistory', 'GetDurableExecutionState', 'Invoke'];
/** Modeled errors the subset exports as classes (a caller tests `instanceof`); others arrive as LambdaServiceException with AWS's name. */
export const ERRORS = ['DurableExecutionAlreadyStartedException'];

const target = path.join(import.meta.dirname, '..', 'lambdas', 'kit', 'durable-lambda-schemas.ts');

/** A schema is an array whose head is its kind (a number) and then its namespace and name. */
const isSchema = (value) =>
  Array.isArray(value) && typeof value[0] === 'number' && typeof value[1] === 'string' && typeof value[2] === 'string';

/** The module's text, from the schemas `sdk` (the client package's exports) holds, formatted as the repository formats. */
export function generate(sdk) {
  return format(unformatted(sdk));
}

function format(text) {
  const root = path.join(import.meta.dirname, '..');
  const biome = spawnSync(path.join(root, 'node_modules', '.bin', 'biome'), ['check', '--write', `--stdin-file-path=${target}`], {
    cwd: root,
    input: text,
    encoding: 'utf8',
  });
  if (biome.status !== 0) throw new Error(`biome check --write failed: ${biome.stderr}`);
  return biome.stdout;
}

/** The schemas' declarations, in an order that declares what a schema names directly before it. */
class SchemaWriter {
  names = new Map(); // schema -> variable name
  declarations = [];
  namespaces = new Map(); // namespace string -> constant name
  later = [];

  constantFor(namespace) {
    if (!this.namespaces.has(namespace)) this.namespaces.set(namespace, `n${this.namespaces.size}`);
    return this.namespaces.get(namespace);
  }

  /** Declares `schema` (and what it names directly) once; answers its variable's name. */
  visit(schema) {
    if (this.names.has(schema)) return this.names.get(schema);
    const name = variableOf(schema);
    if ([...this.names.values()].includes(name)) throw new Error(`two schemas named ${schema[2]}`);
    this.names.set(schema, name);
    const parts = schema.slice(2).map((part) => this.literal(part));
    this.declarations.push(`const ${name}: unknown = [${schema[0]}, ${this.constantFor(schema[1])}, ${parts.join(', ')}];`);
    return name;
  }

  /** Declares what thunks name, until nothing is left. */
  finish() {
    while (this.later.length > 0) this.visit(this.later.shift());
  }

  literal(value) {
    if (typeof value === 'function') {
      // A thunk (`() => X$`, how the SDK breaks cycles) may name a schema declared later: it runs at the first request.
      const resolved = value();
      if (!isSchema(resolved)) throw new Error(`a thunk resolved to ${JSON.stringify(resolved)}, not a schema`);
      if (!this.names.has(resolved)) this.later.push(resolved);
      return `() => ${this.names.get(resolved) ?? variableOf(resolved)}`;
    }
    if (isSchema(value)) return this.visit(value);
    if (Array.isArray(value)) return `[${value.map((v) => this.literal(v)).join(', ')}]`;
    if (value !== null && typeof value === 'object') {
      return `{ ${Object.entries(value)
        .map(([key, entry]) => `${JSON.stringify(key)}: ${this.literal(entry)}`)
        .join(', ')} }`;
    }
    if (value === undefined) throw new Error('a schema holds undefined');
    return JSON.stringify(value);
  }
}

const variableOf = (schema) => `${schema[2].replace(/\W/g, '_')}$`;

function schemaOf(sdk, name) {
  const schema = sdk[`${name}$`];
  if (!isSchema(schema)) throw new Error(`@aws-sdk/client-lambda exports no schema ${name}$`);
  return schema;
}

function unformatted(sdk) {
  const writer = new SchemaWriter();
  const exported = OPERATIONS.map((operation) => writer.visit(schemaOf(sdk, operation)));
  for (const error of ERRORS) writer.visit(schemaOf(sdk, error));
  const base = schemaOf(sdk, 'LambdaServiceException');
  writer.visit(base);
  writer.finish();
  const [serviceNamespace] = [...new Set(OPERATIONS.map((operation) => sdk[`${operation}$`][1]))];
  const version = createRequire(import.meta.url)('@aws-sdk/client-lambda/package.json').version;
  return render({
    version,
    constants: [...writer.namespaces].map(([namespace, constant]) => `const ${constant} = ${JSON.stringify(namespace)};`),
    declarations: writer.declarations,
    syntheticNamespace: writer.constantFor(base[1]),
    serviceNamespace: writer.constantFor(serviceNamespace),
    exported,
  });
}

function render({ version, constants, declarations, syntheticNamespace, serviceNamespace, exported }) {
  return `// Generated by scripts/generate-lambda-subset.mjs from @aws-sdk/client-lambda ${version}: do not edit.
// The schemas of ${OPERATIONS.join(', ')}, and the error registries that answer them.
import { DurableExecutionAlreadyStartedException } from '@aws-sdk/client-lambda/dist-types/models/errors.js';
import { LambdaServiceException } from '@aws-sdk/client-lambda/dist-types/models/LambdaServiceException.js';
import type { command } from '@aws-sdk/client-lambda/dist-types/commandBuilder.js';
import { TypeRegistry } from '@smithy/core/schema';

type OperationSchema = Parameters<typeof command>[3];
type ErrorSchema = Parameters<TypeRegistry['registerError']>[0];

${constants.join('\n')}
${declarations.join('\n')}

const syntheticRegistry = new TypeRegistry(${syntheticNamespace});
syntheticRegistry.registerError(LambdaServiceException$ as ErrorSchema, LambdaServiceException);
const serviceRegistry = new TypeRegistry(${serviceNamespace});
${ERRORS.map((error) => `serviceRegistry.registerError(${error}$ as ErrorSchema, ${error});`).join('\n')}

/** The version of @aws-sdk/client-lambda these schemas come from (the client's user agent names it). */
export const clientVersion = ${JSON.stringify(version)};

/** The registries the client's protocol resolves errors from: the base exception, and the errors above. */
export const errorTypeRegistries = [syntheticRegistry, serviceRegistry];
${exported.map((name) => `export const ${name.replace(/\$$/, 'Schema')} = ${name} as OperationSchema;`).join('\n')}
`;
}

if (process.argv[1] === import.meta.filename) {
  const sdk = createRequire(import.meta.url)('@aws-sdk/client-lambda');
  const text = generate(sdk);
  if (process.argv.includes('--stdout')) process.stdout.write(text);
  else {
    writeFileSync(target, text);
    console.error(`wrote ${path.relative(process.cwd(), target)}`);
  }
}
