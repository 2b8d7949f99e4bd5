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

/** The operations the subset sends: the durable execution SDK's two, and the durable starter's Invoke. */
export const OPERATIONS = ['CheckpointDurableExecution', 'GetDurableExecutionState', 'Invoke'];
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

function unformatted(sdk) {
  const names = new Map(); // schema -> variable name
  const declarations = [];
  const namespaces = new Map(); // namespace string -> constant name

  const constantFor = (namespace) => {
    if (!namespaces.has(namespace)) namespaces.set(namespace, `n${namespaces.size}`);
    return namespaces.get(namespace);
  };

  // Direct references are declared before use (post-order); references through a thunk
  // (`() => X$`, how the SDK breaks cycles) may point anywhere.
  const visit = (schema) => {
    if (names.has(schema)) return names.get(schema);
    const name = `${schema[2].replace(/\W/g, '_')}$`;
    if ([...names.values()].includes(name)) throw new Error(`two schemas named ${schema[2]}`);
    names.set(schema, name);
    const text = `[${schema[0]}, ${constantFor(schema[1])}, ${schema
      .slice(2)
      .map((part) => literal(part))
      .join(', ')}]`;
    declarations.push(`const ${name}: unknown = ${text};`);
    return name;
  };
  const literal = (value) => {
    if (typeof value === 'function') {
      const resolved = value();
      if (!isSchema(resolved)) throw new Error(`a thunk resolved to ${JSON.stringify(resolved)}, not a schema`);
      // Declared later is fine: the thunk runs at the first request.
      const pending = names.get(resolved) ?? visitLater(resolved);
      return `() => ${pending}`;
    }
    if (isSchema(value)) return visit(value);
    if (Array.isArray(value)) return `[${value.map(literal).join(', ')}]`;
    if (value !== null && typeof value === 'object') {
      return `{ ${Object.entries(value)
        .map(([key, entry]) => `${JSON.stringify(key)}: ${literal(entry)}`)
        .join(', ')} }`;
    }
    if (value === undefined) throw new Error('a schema holds undefined');
    return JSON.stringify(value);
  };
  const later = [];
  const visitLater = (schema) => {
    const name = `${schema[2].replace(/\W/g, '_')}$`;
    later.push(schema);
    return name;
  };

  const exported = [];
  for (const operation of OPERATIONS) {
    const schema = sdk[`${operation}$`];
    if (!isSchema(schema)) throw new Error(`@aws-sdk/client-lambda exports no schema ${operation}$`);
    exported.push(visit(schema));
  }
  for (const error of ERRORS) {
    const schema = sdk[`${error}$`];
    if (!isSchema(schema)) throw new Error(`@aws-sdk/client-lambda exports no schema ${error}$`);
    visit(schema);
  }
  const base = sdk.LambdaServiceException$;
  if (!isSchema(base)) throw new Error('@aws-sdk/client-lambda exports no LambdaServiceException$');
  visit(base);
  while (later.length > 0) visit(later.shift());
  const [serviceNamespace] = [...new Set(OPERATIONS.map((operation) => sdk[`${operation}$`][1]))];
  const version = createRequire(import.meta.url)('@aws-sdk/client-lambda/package.json').version;
  return `// Generated by scripts/generate-lambda-subset.mjs from @aws-sdk/client-lambda ${version}: do not edit.
// The schemas of ${OPERATIONS.join(', ')}, and the error registries that answer them.
import { DurableExecutionAlreadyStartedException } from '@aws-sdk/client-lambda/dist-types/models/errors.js';
import { LambdaServiceException } from '@aws-sdk/client-lambda/dist-types/models/LambdaServiceException.js';
import type { command } from '@aws-sdk/client-lambda/dist-types/commandBuilder.js';
import { TypeRegistry } from '@smithy/core/schema';

type OperationSchema = Parameters<typeof command>[3];
type ErrorSchema = Parameters<TypeRegistry['registerError']>[0];

${[...namespaces].map(([namespace, constant]) => `const ${constant} = ${JSON.stringify(namespace)};`).join('\n')}
${declarations.join('\n')}

const syntheticRegistry = new TypeRegistry(${constantFor(base[1])});
syntheticRegistry.registerError(LambdaServiceException$ as ErrorSchema, LambdaServiceException);
const serviceRegistry = new TypeRegistry(${constantFor(serviceNamespace)});
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
