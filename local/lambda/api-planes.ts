import type { DatabaseSync } from 'node:sqlite';
import { AwsError } from '../endpoint/aws-error.js';
import { systemClock } from '../time/clock.js';
import { CodeSigningApi } from './control-plane/code-signing-api.js';
import { ControlPlane, type FunctionHost } from './control-plane/control-plane.js';
import type { S3Reader } from './control-plane/function-code.js';
import { FunctionSettingsApi } from './control-plane/function-settings-api.js';
import type { FunctionStore } from './control-plane/function-store.js';
import type { FunctionDefinition } from './core/function-definition.js';
import type { LambdaTags } from './core/resource-tags.js';
import { LayerApi } from './layers/layer-api.js';
import { LayerStore } from './layers/layer-store.js';
import type { LambdaServiceOptions } from './service-options.js';
import { FunctionUrlApi } from './urls/function-url-api.js';

/**
 * What Lambda's API makes beside what the template declares: functions (ControlPlane), layers
 * (LayerApi), function URLs (FunctionUrlApi), functions' provisioned concurrency and recursion
 * settings (FunctionSettingsApi) and code signing configurations (CodeSigningApi).
 */
export interface ApiPlanes {
  readonly functions: ControlPlane;
  readonly layers: LayerApi;
  readonly urls: FunctionUrlApi;
  readonly settings: FunctionSettingsApi;
  readonly codeSigning: CodeSigningApi;
}

/**
 * The control plane of the functions the API makes and the layers it publishes, over the
 * service's functions (`host`) and stores: a function may name the app's layers and the
 * published ones, a layer version's content staying while a function runs it.
 */
export function apiPlanes(
  options: LambdaServiceOptions,
  parts: {
    readonly db: DatabaseSync;
    readonly store: FunctionStore;
    readonly tags: LambdaTags;
    readonly host: FunctionHost;
    readonly accountId: string;
    /** Every function the service runs now. */
    readonly definitions: () => Iterable<FunctionDefinition>;
  },
): ApiPlanes {
  const clock = options.clock ?? systemClock;
  const readS3: S3Reader =
    options.readS3 ??
    (() => {
      throw new AwsError('InvalidParameterValueException', 'No S3 is connected to the local Lambda service');
    });
  const layers = new LayerApi({
    store: new LayerStore(parts.db, options.folder),
    clock,
    readS3,
    accountId: parts.accountId,
    region: options.region,
    ...(options.url ? { url: options.url } : {}),
    inUse: (folder) =>
      [...parts.definitions()].some((definition) =>
        [definition, ...Object.values(definition.published ?? {})].some((d) => d.layers?.includes(folder)),
      ),
  });
  const urls = new FunctionUrlApi({
    db: parts.db,
    directory: parts.host.directory,
    clock,
    region: options.region,
    ...(options.functionUrls ? { served: options.functionUrls } : {}),
    ...(options.url ? { url: options.url } : {}),
  });
  const functions = new ControlPlane({
    store: parts.store,
    tags: parts.tags,
    layerFolders: () => ({ ...options.layerFolders, ...layers.folders() }),
    place: { region: options.region, accountId: parts.accountId },
    log: options.log,
    clock,
    readS3,
    ...(options.network ? { network: options.network } : {}),
    definitions: parts.definitions,
    // A deleted alias's URL goes with it (as AWS deletes it; the URL then refuses its callers).
    aliasDeleted: (name, alias) => urls.forget(name, alias),
    // A deleted function's URLs go with it.
    host: {
      ...parts.host,
      stop: async (name) => {
        await parts.host.stop(name);
        urls.forget(name);
      },
    },
  });
  const settings = new FunctionSettingsApi({ functions, host: parts.host, clock, definitions: parts.definitions });
  const codeSigning = new CodeSigningApi({
    db: parts.db,
    functions,
    clock,
    region: options.region,
    accountId: parts.accountId,
    definitions: parts.definitions,
  });
  return { functions, layers, urls, settings, codeSigning };
}
