import { type Dirent, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import * as path from 'node:path';
import type { SdkClient } from '../../service-registry/service-module.js';
import type { FunctionDefinition } from '../core/function-definition.js';

/**
 * Services whose clients the SDK's credential providers carry (STS, SSO, Cognito Identity):
 * a function holds them whatever it calls, and reaches them only without credentials in
 * its environment, which every local function has.
 */
const CREDENTIAL_SERVICES = new Set(['STS', 'SSO', 'SSO OIDC', 'Cognito Identity', 'Signin']);

/** Code files of a function's asset read for clients; a bigger asset is read up to this many bytes. */
const MAX_BYTES = 64 * 1024 * 1024;
const CODE_FILE = /\.(?:m|c)?js$/;
const PYTHON_FILE = /\.py$/;
/** Folders of a Python asset that are the SDK itself (vendored), whose own code and docstrings create clients of every kind. */
const PYTHON_SDK_FOLDERS = new Set(['boto3', 'botocore', 's3transfer', 'aiobotocore']);

/** A boto3 client or resource the code creates by service name: `boto3.client('invoicing')`, `session.resource(service_name="s3")`. */
const PYTHON_CLIENT = /\.(?:client|resource)\(\s*(?:service_name\s*=\s*)?["']([a-z0-9-]+)["']/g;

/**
 * botocore's names of the services whose SDK id, lower-cased without spaces, is not the name
 * itself (`stepfunctions` is SFN's): the others compare by that form (`bedrock-runtime`, `secretsmanager`).
 */
const BOTOCORE_SERVICE_IDS: Readonly<Record<string, string>> = {
  logs: 'CloudWatch Logs',
  'cognito-idp': 'Cognito Identity Provider',
  events: 'EventBridge',
  stepfunctions: 'SFN',
};
/** botocore's names of the credential services (CREDENTIAL_SERVICES). */
const BOTOCORE_CREDENTIAL_SERVICES = new Set(['sts', 'sso', 'sso-oidc', 'cognito-identity', 'signin']);
const comparable = (name: string) => name.toLowerCase().replace(/[^a-z0-9]/g, '');

/**
 * A bundled v3 client names its service once, as its configuration's default
 * (`serviceId: config?.serviceId ?? "Bedrock Runtime"`, minified or not).
 */
const BUNDLED_SERVICE_ID = /serviceId\s*:\s*[\w$]+\?\.serviceId\s*\?\?\s*["']([^"']+)["']/g;
/** A client the code leaves to the runtime's SDK: `import ... from "@aws-sdk/client-x"`, `import("...")`, `require("...")`. */
const EXTERNAL_CLIENT = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*)["'](@aws-sdk\/client-[a-z0-9-]+)["']/g;

/**
 * A bare specifier the code hands to `import`, `import()` or `require()` (`__require` in
 * esbuild's ES module output): what a bundle leaves to the runtime, as NodejsFunction
 * leaves every `@aws-sdk/*` package.
 */
const IMPORTED =
  /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s*|\b(?:__)?require\s*\(\s*)["']((?:@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*)(?:\/[^"'\s]*)?["']/gi;

/** What a function's code holds and what it leaves to the runtime, read once for every start-up check. */
export interface CodeScan {
  /** The service ids of the v3 clients bundled into it. */
  readonly bundledServiceIds: ReadonlySet<string>;
  /** The `@aws-sdk/client-*` packages any of its files imports (its own node_modules included). */
  readonly clientPackages: ReadonlySet<string>;
  /**
   * The packages its own files (outside node_modules) import that neither its folder nor its
   * layers hold: what it needs from the runtime. Node's built-in modules are not among them.
   */
  readonly external: ReadonlySet<string>;
  /**
   * Those of `external` it imports only inside a `try` block (as node-fetch loads its optional
   * `encoding` package): a missing one is caught, so the init does not fail on it in Lambda.
   */
  readonly optional: ReadonlySet<string>;
  /** The botocore service names of the boto3 clients and resources its Python files create (`invoicing`, `s3`). */
  readonly pythonClients?: ReadonlySet<string>;
  /**
   * Whether any of its JavaScript names `AWS_ENDPOINT_URL`: the v3 SDK's endpoint configuration
   * reads it by that name (`ENV_ENDPOINT_URL`), so bundled clients without it are of a release
   * from before service-specific endpoints, which never read it.
   */
  readonly readsEndpointUrl?: boolean;
}

/**
 * A quote just before `require(`/`import`: the call is text in a string, not code (ajv's compiled
 * validators carry `'require("ajv/dist/runtime/equal").default'` for the standalone code they
 * could write), and loads nothing.
 */
const IN_STRING = /["'`]$/;

/** A `require(` that is the first thing a `try` block does (no block opened or closed between): its failure is caught. */
const IN_TRY_BLOCK = /\btry\s*\{[^{}]*$/;
/** How far before an import the scan looks for its `try {`. */
const TRY_LOOKBACK = 200;

/** Reads a function's code (its asset folder, and the layers it has) for the clients it holds and the packages it needs. */
export function scanCode(codePath: string, layerRoots: readonly string[] = []): CodeScan {
  const bundledServiceIds = new Set<string>();
  const clientPackages = new Set<string>();
  const external = new Set<string>();
  const guarded = new Set<string>();
  const unguarded = new Set<string>();
  const held = holder(codePath, layerRoots);
  const pythonClients = new Set<string>();
  let readsEndpointUrl = false;
  // One walk for both kinds: a Python file outside node_modules (a Node package's build
  // scripts are not the function's), a JavaScript file anywhere.
  for (const { file, code, inNodeModules } of codeFiles(codePath, (name, inModules) =>
    PYTHON_FILE.test(name) ? !inModules : CODE_FILE.test(name),
  )) {
    if (PYTHON_FILE.test(file)) {
      for (const [, name = ''] of code.matchAll(PYTHON_CLIENT)) pythonClients.add(name);
      continue;
    }
    for (const [, serviceId = ''] of code.matchAll(BUNDLED_SERVICE_ID)) bundledServiceIds.add(serviceId);
    readsEndpointUrl ||= code.includes('AWS_ENDPOINT_URL');
    for (const [, name = ''] of code.matchAll(EXTERNAL_CLIENT)) clientPackages.add(name);
    if (inNodeModules) continue;
    for (const match of code.matchAll(IMPORTED)) {
      const name = match[1] ?? '';
      if (isBuiltin(name) || name.startsWith('node:') || held(path.dirname(file), name)) continue;
      if (IN_STRING.test(code.slice(Math.max(0, match.index - 1), match.index))) continue;
      external.add(name);
      const before = code.slice(Math.max(0, match.index - TRY_LOOKBACK), match.index);
      (IN_TRY_BLOCK.test(before) ? guarded : unguarded).add(name);
    }
  }
  const optional = new Set([...guarded].filter((name) => !unguarded.has(name)));
  return { bundledServiceIds, clientPackages, external, optional, pythonClients, readsEndpointUrl };
}

/** A function's scan, read once per version of its definition (a reload brings new definitions). */
export function codeScans(): (fn: FunctionDefinition) => CodeScan {
  const scans = new WeakMap<FunctionDefinition, CodeScan>();
  return (fn) => {
    const known = scans.get(fn);
    if (known !== undefined) return known;
    const scan = scanCode(fn.codePath, fn.layers);
    scans.set(fn, scan);
    return scan;
  };
}

/** The AWS SDK clients a function's code holds that no local service answers: by service id when bundled, by package when external. */
export function unhostedClients(
  code: string | CodeScan,
  hosted: readonly SdkClient[],
  unloadable: ReadonlySet<string> = new Set(),
): string[] {
  const scan = typeof code === 'string' ? scanCode(code) : code;
  const serviceIds = new Set(hosted.map((client) => client.serviceId));
  const packages = new Set(hosted.map((client) => client.package));
  const found = new Set<string>();
  for (const serviceId of scan.bundledServiceIds) {
    if (!serviceIds.has(serviceId) && !CREDENTIAL_SERVICES.has(serviceId)) found.add(serviceId);
  }
  for (const name of scan.clientPackages) {
    // A client that cannot be loaded fails first, with Cannot find module: that is what the report says of it.
    if (unloadable.has(name)) continue;
    if (!packages.has(name) && !name.startsWith('@aws-sdk/client-sts') && !name.startsWith('@aws-sdk/client-sso')) found.add(name);
  }
  const hostedIds = new Set([...serviceIds].map(comparable));
  for (const name of scan.pythonClients ?? []) {
    if (BOTOCORE_CREDENTIAL_SERVICES.has(name)) continue;
    if (!hostedIds.has(comparable(BOTOCORE_SERVICE_IDS[name] ?? name))) found.add(`boto3 '${name}'`);
  }
  return [...found].sort();
}

/**
 * One start-up line for each function whose code holds a client of a service the runtime
 * does not host, leaving out the clients `unloadable` says it cannot load.
 */
export function unhostedClientWarnings(
  functions: readonly FunctionDefinition[],
  hosted: readonly SdkClient[],
  scanOf: (fn: FunctionDefinition) => CodeScan = (fn) => scanCode(fn.codePath, fn.layers),
  unloadable: (fn: FunctionDefinition) => ReadonlySet<string> = () => new Set(),
): string[] {
  const lines: string[] = [];
  for (const fn of functions) {
    const clients = unhostedClients(scanOf(fn), hosted, unloadable(fn));
    if (clients.length === 0) continue;
    lines.push(
      `function ${fn.name} (AWS::Lambda::Function): its code holds a client of ${clients.join(', ')}, which no local service answers; its calls fail with UnknownOperationException`,
    );
  }
  return lines;
}

/**
 * One start-up line for each function whose bundled v3 clients never read `AWS_ENDPOINT_URL`
 * (a release from before service-specific endpoints, as a construct's prebuilt asset may carry):
 * they call AWS's endpoints, not the local runtime, and what they presign is an AWS URL.
 */
export function endpointBlindClientWarnings(
  functions: readonly FunctionDefinition[],
  scanOf: (fn: FunctionDefinition) => CodeScan = (fn) => scanCode(fn.codePath, fn.layers),
): string[] {
  return functions.flatMap((fn) => {
    const scan = scanOf(fn);
    const clients = [...scan.bundledServiceIds].filter((id) => !CREDENTIAL_SERVICES.has(id)).sort();
    if (clients.length === 0 || scan.readsEndpointUrl !== false) return [];
    return [
      `function ${fn.name} (AWS::Lambda::Function): its code bundles ${clients.join(', ')} clients of an AWS SDK for JavaScript v3 release that does not read AWS_ENDPOINT_URL, so locally they call AWS's endpoints, not this runtime, and the URLs they presign are AWS's; bundle a newer SDK (or leave @aws-sdk/* to the runtime) to run them here`,
    ];
  });
}

/**
 * Whether a package is found from a folder of the function's code as Lambda finds it: in a
 * node_modules folder from there up to the asset's root, or in a layer's.
 */
function holder(codePath: string, layerRoots: readonly string[]): (folder: string, name: string) => boolean {
  const root = path.resolve(codePath);
  const major = process.versions.node.split('.')[0];
  const layerFolders = layerRoots.flatMap((layer) => [
    path.join(layer, 'nodejs', `node${major}`, 'node_modules'),
    path.join(layer, 'nodejs', 'node_modules'),
  ]);
  const known = new Map<string, boolean>();
  const has = (modules: string, name: string) => {
    const key = `${modules}\0${name}`;
    if (!known.has(key)) known.set(key, existsSync(path.join(modules, name)));
    return known.get(key) === true;
  };
  return (folder, name) => {
    for (let at = path.resolve(folder); ; at = path.dirname(at)) {
      if (has(path.join(at, 'node_modules'), name)) return true;
      if (at === root || !at.startsWith(root)) break;
    }
    return layerFolders.some((modules) => has(modules, name));
  };
}

/**
 * The text of each code file of a function's asset, as the start-up checks read them (its
 * node_modules too, up to MAX_BYTES): other services' checks read a function's code here
 * (the Bedrock module looks for the model ids it names). Read afresh, not from codeScans():
 * a scan keeps what Lambda's checks found, not the text, and runs at the Lambda module's start,
 * after the other modules' start-up checks.
 */
export function* functionCode(fn: Pick<FunctionDefinition, 'codePath'>): Iterable<string> {
  for (const { code } of codeFiles(fn.codePath)) yield code;
}

/**
 * The function asset's code files that `accept` takes (by name, and whether they are inside a
 * node_modules folder: a client shipped there is held as well), up to MAX_BYTES read. A
 * vendored Python SDK's folders are not entered: their own code and docstrings create clients
 * of every kind, and reading them would spend the budget on nothing.
 */
function* codeFiles(
  root: string,
  accept: (name: string, inNodeModules: boolean) => boolean = (name) => CODE_FILE.test(name),
): Generator<{ file: string; code: string; inNodeModules: boolean }> {
  let budget = MAX_BYTES;
  // An asset served from a package's own folder (not staged into cdk.out) is inside node_modules from its root on.
  const folders = [{ folder: root, inNodeModules: root.split(path.sep).includes('node_modules') }];
  for (let next = folders.pop(); next !== undefined; next = folders.pop()) {
    const { folder, inNodeModules } = next;
    let entries: Dirent[];
    try {
      entries = readdirSync(folder, { withFileTypes: true });
    } catch (error) {
      // A missing asset is reported where the function is run; here there is nothing to read.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    for (const entry of entries) {
      const file = path.join(folder, entry.name);
      if (entry.isDirectory()) {
        if (!PYTHON_SDK_FOLDERS.has(entry.name))
          folders.push({ folder: file, inNodeModules: inNodeModules || entry.name === 'node_modules' });
      } else if (entry.isFile() && accept(entry.name, inNodeModules)) {
        const size = statSync(file).size;
        if (size > budget) return;
        budget -= size;
        yield { file, code: readFileSync(file, 'utf8'), inNodeModules };
      }
    }
  }
}
