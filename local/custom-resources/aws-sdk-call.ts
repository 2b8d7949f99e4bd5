/**
 * One AWS SDK call of CDK's AwsCustomResource (`Custom::AWS`), made as its provider function
 * makes it (aws-cdk-lib's custom-resource-handlers/.../aws-custom-resource-handler): the
 * service named v2 style (`DynamoDB`) or v3 style (`@aws-sdk/client-dynamodb`, `dynamodb`),
 * the action camel or Pascal case, `PHYSICAL:RESOURCEID:` in the parameters replaced by the
 * resource's physical id, the response's blobs as text, flattened to `A.B.0.C` paths and
 * filtered by `outputPaths`; an error whose name `ignoreErrorCodesMatching` matches is not one.
 * The client is the AWS SDK v3's, pointed at the local endpoint.
 */
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';

const require = createRequire(import.meta.url);

/** The SDK call a `Create`, `Update` or `Delete` property holds (a JSON string in the template). */
export interface SdkCall {
  readonly service: string;
  readonly action: string;
  readonly parameters?: unknown;
  readonly physicalResourceId?: { readonly id?: string; readonly responsePath?: string };
  readonly ignoreErrorCodesMatching?: string;
  readonly outputPath?: string;
  readonly outputPaths?: readonly string[];
  readonly region?: string;
  readonly assumedRoleArn?: string;
}

/** A `Create`, `Update` or `Delete` property that is not an SDK call (not JSON, no service or action). */
export class SdkCallFormatError extends Error {
  override readonly name = 'SdkCallFormatError';
}

/** The call could not be made here: the AWS SDK v3 package of its service is not installed, or it has no such command. */
export class SdkCallUnavailableError extends Error {
  override readonly name = 'SdkCallUnavailableError';
}

const PHYSICAL_RESOURCE_ID_REFERENCE = 'PHYSICAL:RESOURCEID:';

/** The call a property holds, or undefined without one. */
export function sdkCallOf(property: unknown, where: string): SdkCall | undefined {
  if (property === undefined || property === null || property === '') return undefined;
  let call: unknown = property;
  if (typeof property === 'string') {
    try {
      call = JSON.parse(property);
    } catch {
      throw new SdkCallFormatError(`${where} is not JSON: ${property.slice(0, 80)}`);
    }
  }
  const { service, action } = (call ?? {}) as Record<string, unknown>;
  if (typeof service !== 'string' || typeof action !== 'string') throw new SdkCallFormatError(`${where} names no service and action`);
  return call as SdkCall;
}

/**
 * The v2 service names whose v3 package is not the name with dashes (CDK's sdk-v2-to-v3.json,
 * the entries that differ); every other v2 name is its v3 package's name without the dashes.
 */
const V2_TO_V3: Readonly<Record<string, string>> = {
  augmentedairuntime: 'sagemaker-a2i-runtime',
  cur: 'cost-and-usage-report-service',
  cognitoidentityserviceprovider: 'cognito-identity-provider',
  dms: 'database-migration-service',
  discovery: 'application-discovery-service',
  elb: 'elastic-load-balancing',
  elbv2: 'elastic-load-balancing-v2',
  es: 'elasticsearch-service',
  forecastqueryservice: 'forecastquery',
  forecastservice: 'forecast',
  iotdata: 'iot-data-plane',
  kinesisvideosignalingchannels: 'kinesis-video-signaling',
  lexruntime: 'lex-runtime-service',
  rdsdataservice: 'rds-data',
  stepfunctions: 'sfn',
  transcribeservice: 'transcribe',
};

/** The v3 client packages installed beside the runtime's own (`api-gateway`, `dynamodb`, ...). */
function installedClients(): string[] {
  try {
    // <node_modules>/@aws-sdk/client-dynamodb/dist-cjs/index.js: the scope's folder is three up.
    const scope = path.dirname(path.dirname(path.dirname(require.resolve('@aws-sdk/client-dynamodb'))));
    return readdirSync(scope)
      .filter((name) => name.startsWith('client-'))
      .map((name) => name.slice('client-'.length));
  } catch {
    return [];
  }
}

/** The v3 package's short name of a service as the provider normalizes it (`DynamoDB` -> `dynamodb`, `APIGateway` -> `api-gateway`). */
export function v3ServiceName(service: string): string {
  const name = service.toLowerCase().replace(/^@aws-sdk\/client-/, '');
  const irregular = V2_TO_V3[name];
  if (irregular !== undefined) return irregular;
  if (name.includes('-')) return name;
  return installedClients().find((client) => client.replace(/-/g, '') === name) ?? name;
}

/** `PHYSICAL:RESOURCEID:` wherever it stands in the parameters, as the physical id (PhysicalResourceIdReference). */
export function withPhysicalId(value: unknown, physicalId: string): unknown {
  if (value === PHYSICAL_RESOURCE_ID_REFERENCE) return physicalId;
  if (Array.isArray(value)) return value.map((v) => withPhysicalId(v, physicalId));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withPhysicalId(v, physicalId)]));
  }
  // CDK before v2 encoded booleans as strings (`'TRUE:BOOLEAN'`); a template synthesized then still holds them.
  if (value === 'TRUE:BOOLEAN') return true;
  if (value === 'FALSE:BOOLEAN') return false;
  return value;
}

/** The response as the provider returns it: blobs as text, then `{ 'A.B.0.C': value }`. */
export async function flattenedResponse(response: unknown): Promise<Record<string, unknown>> {
  const flat: Record<string, unknown> = {};
  const walk = (value: unknown, at: string[]) => {
    if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(v, [...at, k]);
    else flat[at.join('.')] = value;
  };
  walk(await asText(response), []);
  return flat;
}

async function asText(value: unknown): Promise<unknown> {
  if (value && typeof value === 'object' && typeof (value as { transformToString?: unknown }).transformToString === 'function') {
    return (value as { transformToString(): Promise<string> }).transformToString();
  }
  if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
  if (Array.isArray(value)) return Promise.all(value.map(asText));
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = await asText(v);
    return out;
  }
  return value;
}

/** The response's paths the resource keeps as its attributes (`outputPath`, `outputPaths`: those starting with one), all without. */
export function outputsOf(call: SdkCall, flat: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const paths = call.outputPath !== undefined ? [call.outputPath] : call.outputPaths;
  if (paths === undefined) return { ...flat };
  return Object.fromEntries(Object.entries(flat).filter(([key]) => paths.some((p) => key.startsWith(p))));
}

/** Where and as whom a call is made. */
export interface CallTarget {
  readonly url: string;
  readonly region: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string };
}

type SdkClient = { send(command: unknown): Promise<Record<string, unknown>>; destroy(): void };
type SdkPackage = Record<string, unknown>;

/** Makes the call with the AWS SDK v3 against the local endpoint: the response with `$metadata` removed. Rejects with the SDK's error. */
export async function makeSdkCall(call: SdkCall, parameters: unknown, target: CallTarget): Promise<Record<string, unknown>> {
  const packageName = `@aws-sdk/client-${v3ServiceName(call.service)}`;
  let sdk: SdkPackage;
  try {
    sdk = (await import(packageName)) as SdkPackage;
  } catch (error) {
    throw new SdkCallUnavailableError(`${packageName} is not installed where the runtime runs (npm install it): ${String(error)}`);
  }
  const ClientClass = Object.entries(sdk).find(([name]) => name.endsWith('Client') && name !== '__Client')?.[1] as
    | (new (
        config: object,
      ) => SdkClient)
    | undefined;
  const action = call.action.charAt(0).toUpperCase() + call.action.slice(1);
  const commandName = `${action.replace(/Command$/, '')}Command`.toLowerCase();
  const CommandClass = (Object.entries(sdk).find(([name]) => name.toLowerCase() === commandName)?.[1] ??
    Object.entries(sdk).find(([name]) => name.toLowerCase() === `${action}Command`.toLowerCase())?.[1]) as
    | (new (
        input: unknown,
      ) => unknown)
    | undefined;
  if (ClientClass === undefined) throw new SdkCallUnavailableError(`${packageName} has no client`);
  if (CommandClass === undefined) throw new SdkCallUnavailableError(`${packageName} has no command ${action}Command`);
  const client = new ClientClass({
    endpoint: target.url,
    region: call.region ?? target.region,
    credentials: target.credentials,
    forcePathStyle: true,
    maxAttempts: 1,
  });
  try {
    const { $metadata: _, ...response } = await client.send(new CommandClass(parameters ?? {}));
    return response;
  } finally {
    client.destroy();
  }
}
