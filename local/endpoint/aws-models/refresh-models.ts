/**
 * Writes the trimmed API models the endpoint validates requests against, from botocore's
 * service models (Apache-2.0). A developer runs it by hand after upgrading botocore; tests
 * and CI never do, and nothing at run time reads outside the repository.
 *
 *   npx tsx local/endpoint/aws-models/refresh-models.ts <botocore>/data [<botocore version>]
 *
 * A service newer than that botocore (eventbridgev2) is read from test/fixtures/botocore-data,
 * and from any folder on `AWS_DATA_PATH` before it; the files written are then formatted with
 * the repository's biome, as committed.
 *
 * Only the input shapes reachable from the operations the local services serve are kept,
 * with what validation needs (types, required members, lengths, ranges, patterns, enums,
 * where REST members travel); documentation is dropped.
 *
 * Beside them, in outputs/, the output shapes of every operation of each of these services and
 * of OUTPUT_ONLY_MODELS, which Step Functions' TestState checks a mocked result against
 * (`mock.fieldValidationMode`, local/states/mock-validation.ts): types, required members,
 * lengths, ranges and enums.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { SERVICE_MODULES } from '../../service-registry/modules.js';
import { ServiceRegistry } from '../../service-registry/registry.js';
import { OUTPUT_ONLY_MODELS } from '../validation/model.js';

/** The operations each local service serves: what its module declares (`apis`), by API model. */
export const SERVED_OPERATIONS: Readonly<Record<string, readonly string[]>> = Object.fromEntries(
  ServiceRegistry.servedApis(SERVICE_MODULES).map((api) => [api.model, api.operations]),
);

/**
 * The APIs whose protocol the endpoint speaks from the model itself (`../model-protocols/`;
 * their modules say so, `protocolFromModel`): their files keep, besides the input shapes,
 * each operation's output and errors, the output and error shapes with the serialization
 * traits (`locationName`, `flattened`, `timestampFormat`, `resultWrapper`, `payload`, `eventstream`), and the other
 * operations' names and routes, so that a request for one the local service does not serve
 * gets a clear answer.
 */
export const PROTOCOL_FROM_MODEL: ReadonlySet<string> = new Set(
  ServiceRegistry.servedApis(SERVICE_MODULES).flatMap((api) => (api.protocolFromModel ? [api.model] : [])),
);

const OUTPUT_SHAPE_KEYS = ['type', 'required', 'min', 'max', 'enum', 'member', 'key', 'value'] as const;

/** Every operation's output shape, and the shapes they reach, with what a mocked result is checked for. */
function trimOutputs(model: Json, botocoreVersion: string): Json {
  const operations: Record<string, string> = {};
  for (const [name, operation] of Object.entries(model.operations as Record<string, Json>)) {
    const output = (operation.output as Json | undefined)?.shape as string | undefined;
    if (output !== undefined) operations[name] = output;
  }
  const shapes = reachableShapes(model, Object.values(operations), (shape) => {
    const trimmed = pick(shape, OUTPUT_SHAPE_KEYS);
    // A reference is its shape's name.
    for (const key of ['member', 'key', 'value'] as const) if (shape[key] !== undefined) trimmed[key] = (shape[key] as Json).shape;
    if (shape.members !== undefined) {
      trimmed.members = Object.fromEntries(
        Object.entries(shape.members as Record<string, Json>).map(([member, ref]) => [member, ref.shape]),
      );
    }
    return trimmed;
  });
  return { source: 'botocore', botocoreVersion, operations, shapes };
}

/** The shapes `roots` reach (members, list members, map keys and values), each trimmed by `trim`, by name. */
function reachableShapes(model: Json, roots: readonly string[], trim: (shape: Json) => Json): Json {
  const shapes = model.shapes as Record<string, Json>;
  const kept: Record<string, Json> = {};
  const visit = (name: string) => {
    if (kept[name] !== undefined) return;
    const shape = shapes[name];
    if (shape === undefined) throw new Error(`shape ${name} is not in the model`);
    kept[name] = trim(shape);
    for (const ref of [shape.member, shape.key, shape.value, ...Object.values((shape.members ?? {}) as Record<string, Json>)]) {
      if (ref !== undefined) visit((ref as Json).shape as string);
    }
  };
  for (const root of roots) visit(root);
  return Object.fromEntries(Object.entries(kept).sort(([a], [b]) => (a < b ? -1 : 1)));
}

const SHAPE_KEYS = ['type', 'required', 'min', 'max', 'pattern', 'enum', 'sensitive', 'document', 'member', 'key', 'value'] as const;
const MEMBER_KEYS = ['shape', 'location', 'locationName', 'jsonvalue'] as const;
/** What a codec driven by the model needs besides what validation reads. */
const PROTOCOL_SHAPE_KEYS = [
  ...SHAPE_KEYS,
  'flattened',
  'locationName',
  'timestampFormat',
  'error',
  'exception',
  'payload',
  'eventstream',
] as const;
const PROTOCOL_MEMBER_KEYS = [...MEMBER_KEYS, 'queryName', 'flattened', 'timestampFormat'] as const;

type Json = Record<string, unknown>;

function pick(source: Json, keys: readonly string[]): Json {
  return Object.fromEntries(keys.filter((key) => source[key] !== undefined).map((key) => [key, source[key]]));
}

/** The newest API version folder of a service (botocore keeps old ones beside it). */
function newestVersion(dataFolder: string, service: string): string {
  const versions = readdirSync(join(dataFolder, service)).filter((name) => /^\d{4}-\d{2}-\d{2}$/.test(name));
  const newest = versions.sort().at(-1);
  if (newest === undefined) throw new Error(`no API version of ${service} in ${dataFolder}`);
  return newest;
}

/**
 * The member that carries the text of each error the operations answer with, by error shape
 * (`message` mostly; DynamoDB's transaction errors declare `Message`): what a JSON service
 * whose protocol is hand-written names it in its error body. Protocol-driven models keep the
 * error shapes themselves.
 */
function errorMessageMembers(model: Json, operations: readonly string[]): Record<string, string> {
  const shapes = model.shapes as Record<string, Json>;
  const errors = new Set(
    operations.flatMap((name) =>
      (((model.operations as Record<string, Json>)[name]?.errors ?? []) as Json[]).map((e) => e.shape as string),
    ),
  );
  const members: Record<string, string> = {};
  for (const error of [...errors].sort()) {
    const member = Object.keys((shapes[error]?.members ?? {}) as Json).find((name) => name.toLowerCase() === 'message');
    if (member !== undefined) members[error] = member;
  }
  return members;
}

function trimModel(model: Json, operations: readonly string[], botocoreVersion: string, protocol = false): Json {
  const allOperations = model.operations as Record<string, Json>;
  const roots: string[] = [];
  const trimmedOperations: Record<string, Json> = {};
  for (const name of operations) {
    const operation = allOperations[name];
    if (operation === undefined) throw new Error(`operation ${name} is not in the model`);
    const input = (operation.input as Json | undefined)?.shape as string | undefined;
    if (input !== undefined) roots.push(input);
    const http = operation.http as Json;
    const trimmed: Json = {
      ...(input ? { input } : {}),
      http: pick(http, protocol ? ['method', 'requestUri', 'responseCode'] : ['method', 'requestUri']),
    };
    if (protocol) {
      const output = operation.output as Json | undefined;
      if (output !== undefined) {
        trimmed.output = output.shape;
        if (output.resultWrapper !== undefined) trimmed.resultWrapper = output.resultWrapper;
        roots.push(output.shape as string);
      }
      const errors = ((operation.errors ?? []) as Json[]).map((error) => error.shape as string);
      if (errors.length > 0) trimmed.errors = errors;
      roots.push(...errors);
    }
    trimmedOperations[name] = trimmed;
  }
  const shapeKeys = protocol ? PROTOCOL_SHAPE_KEYS : SHAPE_KEYS;
  const memberKeys = protocol ? PROTOCOL_MEMBER_KEYS : MEMBER_KEYS;
  const shapes = reachableShapes(model, roots, (shape) => {
    const trimmed = pick(shape, shapeKeys);
    if (shape.members !== undefined) {
      trimmed.members = Object.fromEntries(
        Object.entries(shape.members as Record<string, Json>).map(([member, ref]) => [member, pick(ref, memberKeys)]),
      );
    }
    return trimmed;
  });
  const metadata = model.metadata as Json;
  const errorMessages = protocol ? {} : errorMessageMembers(model, operations);
  const metadataKeys = ['apiVersion', 'protocol', 'jsonVersion', 'targetPrefix', 'endpointPrefix', 'awsQueryCompatible'];
  const served = new Set(operations);
  // The operations not served locally, by name and route: answered as unsupported rather than unknown.
  const otherOperations = protocol
    ? Object.fromEntries(
        Object.entries(allOperations)
          .filter(([name]) => !served.has(name))
          .map(([name, operation]) => [name, otherRoute(model, operation, metadata.protocol === 'rest-xml')]),
      )
    : undefined;
  return {
    source: 'botocore',
    botocoreVersion,
    // RPC v2 CBOR names its errors in the namespace of the model's uid (`com.amazonaws.eventbridgev2#...`).
    metadata: pick(
      metadata,
      protocol
        ? [...metadataKeys, 'xmlNamespace', 'signingName', 'serviceId', ...(metadata.protocol === 'smithy-rpc-v2-cbor' ? ['uid'] : [])]
        : metadataKeys,
    ),
    operations: trimmedOperations,
    ...(otherOperations ? { otherOperations } : {}),
    ...(Object.keys(errorMessages).length > 0 ? { errorMessages } : {}),
    shapes,
  };
}

/**
 * An unserved operation's route; in REST-XML, with the query-string and header members its
 * input requires, which tell it from a served operation on the same path (S3's ListParts is
 * GetObject's path with `uploadId`, UploadPartCopy UploadPart's with `x-amz-copy-source`).
 */
function otherRoute(model: Json, operation: Json, restXml: boolean): Json {
  const route = pick(operation.http as Json, ['method', 'requestUri']);
  const input = (model.shapes as Record<string, Json>)[((operation.input as Json | undefined)?.shape as string | undefined) ?? ''];
  if (!restXml || input === undefined) return route;
  const members = (input.members ?? {}) as Record<string, Json>;
  const required = (location: string) =>
    ((input.required ?? []) as string[]).flatMap((member) => {
      const ref = members[member];
      const name = String(ref?.locationName ?? member);
      return ref?.location === location ? [location === 'header' ? name.toLowerCase() : name] : [];
    });
  const [requiredQuery, requiredHeaders] = [required('querystring'), required('header')];
  return {
    ...route,
    ...(requiredQuery.length > 0 ? { requiredQuery } : {}),
    ...(requiredHeaders.length > 0 ? { requiredHeaders } : {}),
  };
}

/**
 * A service's newest model: from the folders on `AWS_DATA_PATH` first, as botocore's own loader
 * looks, then test/fixtures/botocore-data (a service newer than the machine's botocore), then
 * botocore's data. Each such folder names the origin of its models in its `VERSION` file.
 */
function serviceModel(
  dataFolder: string,
  service: string,
  botocoreVersion: string,
): { model: Json; version: string; botocoreVersion: string } {
  const extra = [...(process.env.AWS_DATA_PATH ?? '').split(':').filter((folder) => folder !== ''), NEWER_MODELS];
  const folder = extra.find((candidate) => existsSync(join(candidate, service))) ?? dataFolder;
  const version = newestVersion(folder, service);
  const file = join(folder, service, version, 'service-2.json');
  const text = existsSync(`${file}.gz`) ? gunzipSync(readFileSync(`${file}.gz`)).toString('utf8') : readFileSync(file, 'utf8');
  const origin = folder === dataFolder ? botocoreVersion : readFileSync(join(folder, 'VERSION'), 'utf8').trim();
  return { model: JSON.parse(text) as Json, version, botocoreVersion: origin };
}

/** Models newer than the botocore this repository pins: the AWS CLI's (test/fixtures/botocore-data/README.md). */
const NEWER_MODELS = fileURLToPath(new URL('../../../test/fixtures/botocore-data', import.meta.url));

/** Formats the written models as biome formats the committed ones, so that a refresh shows only what changed. */
function format(folder: string): void {
  const biome = createRequire(import.meta.url).resolve('@biomejs/biome/bin/biome');
  const run = spawnSync(process.execPath, [biome, 'format', '--write', folder], { stdio: 'inherit' });
  if (run.status !== 0) throw new Error(`biome format --write ${folder} exited with ${run.status ?? run.signal}`);
}

function main(): void {
  const [dataFolder, versionArgument] = process.argv.slice(2);
  if (dataFolder === undefined) {
    console.error('usage: npx tsx local/endpoint/aws-models/refresh-models.ts <botocore>/data [<botocore version>]');
    process.exit(2);
  }
  const initFile = readFileSync(join(dataFolder, '..', '__init__.py'), 'utf8');
  const botocoreVersion = versionArgument ?? /__version__ = '([^']+)'/.exec(initFile)?.[1] ?? 'unknown';
  const here = dirname(fileURLToPath(import.meta.url));
  for (const [service, operations] of Object.entries(SERVED_OPERATIONS)) {
    const found = serviceModel(dataFolder, service, botocoreVersion);
    const trimmed = trimModel(found.model, operations, found.botocoreVersion, PROTOCOL_FROM_MODEL.has(service));
    writeFileSync(join(here, `${service}.json`), `${JSON.stringify(trimmed, null, 1)}\n`);
    console.log(`${service} ${found.version}: ${operations.length} operations, ${Object.keys(trimmed.shapes as Json).length} shapes`);
  }
  mkdirSync(join(here, 'outputs'), { recursive: true });
  for (const service of [...Object.keys(SERVED_OPERATIONS), ...OUTPUT_ONLY_MODELS]) {
    const { model, version, botocoreVersion: origin } = serviceModel(dataFolder, service, botocoreVersion);
    const trimmed = trimOutputs(model, origin);
    // One line: these are large and read only by TestState.
    writeFileSync(join(here, 'outputs', `${service}.json`), `${JSON.stringify(trimmed)}\n`);
    console.log(`outputs/${service} ${version}: ${Object.keys(trimmed.operations as Json).length} operations`);
  }
  format(here);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
