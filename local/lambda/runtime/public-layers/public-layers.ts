import { AwsError } from '../../../endpoint/aws-error.js';
import type { FunctionDefinition } from '../../core/function-definition.js';
import { layerRegionError } from '../../core/lambda-errors.js';
import type { RoleCredentials } from '../function-environment.js';
import { type LocalPython, localPython } from '../hosts/python-interpreter.js';
import { type NpmSettings, SdkCache } from '../sdk-cache.js';
import { type LayerArn, POWERTOOLS_PACKAGES, type PublicLayer, parseLayerArn, publicLayer } from './catalogue.js';
import { EXTENSION_PORT, ParametersSecretsExtension, PORT_VARIABLE } from './parameters-secrets.js';

/** Where the public layers' packages are cached, and what the extension layers' servers need. */
export interface PublicLayersSettings {
  /** The cache's root (the AWS SDK cache's: RuntimeSdkOptions.cache). */
  readonly cacheRoot: string;
  readonly fetch: boolean;
  readonly npm?: NpmSettings;
  /** The local endpoint the extension's calls go to, and its region and account. */
  readonly endpoint: string;
  readonly region: string;
  /** The Regions the app deploys to besides the runtime's (template/deploy-regions.ts): a layer of one of them is its functions' own. */
  readonly deployRegions?: readonly string[];
  readonly accountId: string;
  /** A function's role session, as its environment has it (the extension's token is its session token). */
  readonly roleCredentials?: RoleCredentials;
  /** A line of a function's log. */
  readonly log: (functionName: string, line: string) => void;
}

/** What one function's public layers became at start-up. */
interface FunctionUse {
  readonly fn: FunctionDefinition;
  /** By the position in the function's `Layers`: its folder (a Powertools release's tree), or none. */
  readonly folders: Map<number, string | undefined>;
  readonly environment: Record<string, string>;
  /** Python modules the function must not import from the machine's Python: a layer holds them at another release. */
  readonly hiddenModules: string[];
  readonly lines: string[];
  /** Lambda's error for a layer nobody can provide: the function's creation would have failed. */
  readonly error?: AwsError;
}

/**
 * The public layers the app's functions name (public-layers/catalogue.ts): Powertools'
 * packages from the per-user cache (sdk-cache.ts; fetched from npm on first need at the
 * layer version's release), the Parameters and Secrets extension's HTTP API, the layers
 * whose absence changes nothing the function sees (named, with what stands in), and, for a
 * layer nobody can provide, Lambda's error for it, named at start-up and answered by every
 * invocation.
 */
export class PublicLayers {
  readonly #uses = new Map<string, FunctionUse>();
  readonly #caches = new Map<string, SdkCache>();
  #extension: ParametersSecretsExtension | undefined;

  constructor(private readonly settings: PublicLayersSettings) {}

  /** Whether a function's public layers hold `name` (Powertools' packages): not a package Lambda's runtime lacks. */
  provides(fn: FunctionDefinition, name: string): boolean {
    return POWERTOOLS_PACKAGES.test(name) && (fn.publicLayers ?? []).some((l) => publicLayer(l.arn)?.kind === 'powertools');
  }

  /** Provides each function's public layers (fetching what the cache lacks, starting the extension's server) before any invocation. */
  async provide(
    functions: readonly FunctionDefinition[],
    external: (fn: FunctionDefinition) => ReadonlySet<string>,
    log: (line: string) => void,
  ) {
    for (const fn of functions) {
      if ((fn.publicLayers ?? []).length === 0) {
        this.#uses.delete(fn.name);
        continue;
      }
      this.#uses.set(fn.name, await this.#provideFunction(fn, external(fn), log));
    }
  }

  /**
   * A worker's layer folders in the order of the function's `Layers`, what the layers add to its
   * environment, and the Python modules it must not import from the machine (`hiddenModules`).
   */
  forWorker(fn: FunctionDefinition): { layerRoots: string[]; environment: Record<string, string>; hiddenModules: string[] } {
    const use = this.#uses.get(fn.name);
    const own = [...(fn.layers ?? [])];
    if (use === undefined || use.fn !== fn) return { layerRoots: own, environment: {}, hiddenModules: [] };
    const count = own.length + use.folders.size;
    const layerRoots: string[] = [];
    for (let position = 0; position < count; position++) {
      const folder = use.folders.has(position) ? use.folders.get(position) : own.shift();
      if (folder !== undefined) layerRoots.push(folder);
    }
    return { layerRoots, environment: use.environment, hiddenModules: use.hiddenModules };
  }

  /** Lambda's error for the function's layers, when one cannot be had: every invocation answers it. */
  error(fn: FunctionDefinition): AwsError | undefined {
    return this.#uses.get(fn.name)?.error;
  }

  /** The start-up report's lines: each function's public layers and what they are locally. */
  report(): string[] {
    return [...this.#uses.values()].flatMap((use) => use.lines);
  }

  async close(): Promise<void> {
    await this.#extension?.close();
  }

  async #provideFunction(fn: FunctionDefinition, external: ReadonlySet<string>, log: (line: string) => void): Promise<FunctionUse> {
    const folders = new Map<number, string | undefined>();
    const environment: Record<string, string> = {};
    const lines: string[] = [];
    const hiddenModules: string[] = [];
    let error: AwsError | undefined;
    for (const { arn, position } of fn.publicLayers ?? []) {
      const layer = publicLayer(arn);
      folders.set(position, undefined);
      const elsewhere = otherRegion(fn, arn, this.settings.deployRegions ?? []);
      if (elsewhere !== undefined) {
        error ??= elsewhere.error;
        lines.push(
          `  function ${fn.name}: layer ${arn} is in ${elsewhere.region}, not the function's region; its invocations fail as its creation would in Lambda: ${elsewhere.error.code}: ${elsewhere.error.message}`,
        );
        continue;
      }
      if (layer === undefined) {
        const refusal = this.#unavailable(arn);
        error ??= refusal;
        // Another account's layer may be shared with every account (a vendor's public layer): then AWS runs the
        // function, which this runtime cannot, and its refusal differs from AWS; it is right only for an unshared one.
        const shared =
          refusal.code === 'AccessDeniedException'
            ? ` (if its publisher shares it, as a public layer, AWS creates the function and runs it with the layer: here it is refused as a layer not shared with the account)`
            : '';
        lines.push(
          `  function ${fn.name}: layer ${arn} is no layer anyone can provide here; its invocations fail as its creation would in Lambda: ${refusal.code}: ${refusal.message}${shared}`,
        );
        continue;
      }
      const where = `  function ${fn.name}: layer ${layer.layer.name}:${layer.layer.version}`;
      if (layer.kind === 'powertools') {
        // A cache damaged by hand is said, not thrown: the other functions still start.
        const { folder, line } = await this.#powertools(layer, external, log).catch((e: Error) => ({
          folder: undefined,
          line: `${layer.title} ${layer.release.version}: its cache cannot be used (${e.message})`,
        }));
        folders.set(position, folder);
        lines.push(`${where}: ${line}`);
      } else if (layer.kind === 'powertools-python') {
        const { line, hide } = powertoolsPython(layer, localPython());
        if (hide) hiddenModules.push(POWERTOOLS_PYTHON_MODULE);
        lines.push(`${where}: ${line}`);
      } else if (layer.kind === 'parameters-secrets') {
        lines.push(`${where}: ${await this.#serveExtension(fn, environment)}`);
      } else lines.push(`${where}: ${layer.title}, not run locally: ${layer.note}`);
    }
    return { fn, folders, environment, hiddenModules, lines, error };
  }

  /** The Powertools release's tree, filled with the packages the function imports; and the report's words for it. */
  async #powertools(
    layer: Extract<PublicLayer, { kind: 'powertools' }>,
    external: ReadonlySet<string>,
    log: (line: string) => void,
  ): Promise<{ folder: string | undefined; line: string }> {
    const { release } = layer;
    const cache = this.#cache(release.version, release.publishedBefore);
    const title = `${layer.title} ${release.version}`;
    const newer = release.newerThanKnown
      ? ` (layer version ${layer.layer.version} is newer than the releases this switchyard knows: the newest known, ${release.version}, stands in)`
      : '';
    const wanted = [...external].filter((name) => POWERTOOLS_PACKAGES.test(name)).sort();
    const missing = wanted.filter((name) => !cache.has(name));
    if (missing.length === 0) return { folder: cache.tree(), line: `${title}${newer}, from ${cache.folder}` };
    if (!this.settings.fetch) {
      return {
        folder: cache.tree(),
        line: `${title}${newer}: ${missing.join(', ')} not in ${cache.folder} and fetching is off (SWITCHYARD_SDK_FETCH=off); its init fails with Cannot find package until a start fetches them`,
      };
    }
    log(`fetching ${missing.join(', ')} (${title}, the layer's release) into ${cache.folder}, once`);
    const result = await cache
      .fill(missing)
      .catch((error: Error) => ({ failed: new Map(missing.map((n) => [n, error.message])), notInSdk: new Map(), undated: false }));
    // A package the registry does not have at the release is as absent from the function as one it could not reach.
    const failed = [...result.notInSdk, ...result.failed].map(([name, why]) => `${name} (${why})`);
    const undated = result.undated
      ? ` (the registry dates ${release.version} after the layer's ${release.publishedBefore}: its dependencies are the newest the registry has)`
      : '';
    return {
      folder: cache.tree(),
      line:
        failed.length === 0
          ? `${title}${newer}, fetched into ${cache.folder}${undated}`
          : `${title}${newer}: could not fetch ${failed.join(', ')}; its init fails with Cannot find package until a start fetches them`,
    };
  }

  /** Serves the extension's API for the function, on its port (or a free one): the report's words for it. */
  async #serveExtension(fn: FunctionDefinition, environment: Record<string, string>): Promise<string> {
    const role = fn.template?.Role;
    const credentials = typeof role === 'string' ? this.settings.roleCredentials?.(role, fn.name) : undefined;
    if (credentials === undefined)
      return 'AWS Parameters and Secrets Lambda Extension: not served (the function has no execution role to sign its calls as)';
    this.#extension ??= new ParametersSecretsExtension(this.settings.endpoint, this.settings.region, this.settings.log);
    this.#extension.register({ functionName: fn.name, credentials });
    const asked = Number(fn.environment[PORT_VARIABLE] ?? EXTENSION_PORT);
    const port = await this.#extension.listen(asked);
    const served = `AWS Parameters and Secrets Lambda Extension: its HTTP API on http://127.0.0.1:${port}, calls made as the function's role`;
    if (port === asked) return served;
    environment[PORT_VARIABLE] = String(port);
    return `${served} (port ${asked} is taken, by another runtime or program: ${PORT_VARIABLE}=${port} is set in the function's environment)`;
  }

  /** Lambda's error for a layer version the account cannot use: another account's layer it has no permission for, or its own that does not exist. */
  #unavailable(arn: string): AwsError {
    const layer: LayerArn | undefined = parseLayerArn(arn);
    if (layer === undefined || layer.account === this.settings.accountId) {
      return new AwsError('InvalidParameterValueException', `Layer version ${arn} does not exist.`, 400);
    }
    return new AwsError(
      'AccessDeniedException',
      `User: arn:aws:iam::${this.settings.accountId}:root is not authorized to perform: lambda:GetLayerVersion on resource: ${arn} because no resource-based policy allows the lambda:GetLayerVersion action`,
      403,
    );
  }

  #cache(version: string, publishedBefore: string): SdkCache {
    let cache = this.#caches.get(version);
    if (cache === undefined) {
      cache = new SdkCache(
        this.settings.cacheRoot,
        {
          version,
          publishedBefore,
          label: 'Powertools for AWS Lambda (TypeScript)',
          folder: `powertools-typescript-v${version}`,
          pinned: true,
          modulesUnder: 'nodejs',
        },
        this.settings.npm,
      );
      this.#caches.set(version, cache);
    }
    return cache;
  }
}

/**
 * Lambda's refusal of a layer version of another region than the function's, as CreateFunction
 * refuses it (control-plane/function-requests.ts checkLayers); undefined for a layer of its
 * region, or of a Region the app deploys to (`deployRegions`: the runtime runs every stack in
 * its own), or an ARN not a layer's. The Region it expects is where the app deploys, when that is one.
 */
function otherRegion(
  fn: FunctionDefinition,
  arn: string,
  deployRegions: readonly string[],
): { region: string; error: AwsError } | undefined {
  const own = fn.arn.split(':')[3];
  const layer = parseLayerArn(arn);
  if (layer === undefined || own === undefined || own === '' || layer.region === own || deployRegions.includes(layer.region))
    return undefined;
  return { region: layer.region, error: layerRegionError(deployRegions.length === 1 ? (deployRegions[0] as string) : own) };
}

/** The module Powertools for AWS Lambda (Python)'s layer holds (with its dependencies). */
const POWERTOOLS_PYTHON_MODULE = 'aws_lambda_powertools';

/**
 * What a Powertools for AWS Lambda (Python) layer is locally: the machine's Python's
 * aws-lambda-powertools when it is the layer's release (its packages are the same), else
 * nothing (PyPI is not fetched from): a function that imports it fails its init as Lambda's
 * runtime fails a missing module (Runtime.ImportModuleError), and another release on the
 * machine is hidden from it (`hide`) rather than run in the layer's place.
 */
function powertoolsPython(
  layer: Extract<PublicLayer, { kind: 'powertools-python' }>,
  python: LocalPython | undefined,
): { line: string; hide: boolean } {
  const { release } = layer;
  const newer = release.newerThanKnown
    ? ` (layer version ${layer.layer.version} is newer than the releases this switchyard knows: the newest known, ${release.version}, stands in)`
    : '';
  const title = `${layer.title} ${release.version}${newer}`;
  if (python?.powertools === release.version) return { line: `${title}, from the machine's Python (${python.executable})`, hide: false };
  const machine =
    python === undefined
      ? 'there is no python3 here'
      : `${python.executable} has ${python.powertools === undefined ? 'no aws-lambda-powertools' : `aws-lambda-powertools ${python.powertools}`}`;
  return {
    line: `${title}: not provided (${machine}, and its packages are not fetched from PyPI): a function that imports ${POWERTOOLS_PYTHON_MODULE} fails its init with Runtime.ImportModuleError`,
    hide: python?.powertools !== undefined,
  };
}
