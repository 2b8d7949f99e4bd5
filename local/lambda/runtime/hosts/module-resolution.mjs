// Module resolution for function code as the Lambda Node.js runtime has it: a function
// sees its own folder (/var/task), then its layers (/opt/nodejs/node_modules), then the
// AWS SDK for JavaScript that the runtime ships (/var/runtime/node_modules: v3, and v2 on
// nodejs16.x and older), and nothing else. Here the SDK's folders are the AWS SDK cache's
// tree and the node_modules switchyard-cli carries (runtime-sdk.ts), and the function folder
// sits somewhere on this machine, so Node's own walk up the folders could find the project's
// node_modules: a package found that way is refused unless it is one the managed runtime
// provides. Installed with module.registerHooks, which covers require() and import alike.
// Plain JavaScript: the worker thread loads it without the TypeScript loader.
import { existsSync, readFileSync } from 'node:fs';
import Module, { createRequire, isBuiltin, registerHooks } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Script } from 'node:vm';

/**
 * The packages the managed runtime provides: the SDK v3 and the scopes of its own
 * dependencies, and the durable execution SDK (its `-bundled` version: the Node.js
 * runtimes ship it in /var/runtime for durable functions).
 */
const RUNTIME_PROVIDED = /^@(aws-sdk|smithy|aws-crypto)\/|^@aws\/durable-execution-sdk-js(\/|$)/;
const NOT_FOUND = new Set(['MODULE_NOT_FOUND', 'ERR_MODULE_NOT_FOUND']);

function isInside(file, folder) {
  return file === folder || file.startsWith(folder.endsWith(path.sep) ? folder : `${folder}${path.sep}`);
}

function isBare(specifier) {
  return !(specifier.startsWith('.') || specifier.startsWith('/') || /^[a-z][a-z0-9+.-]*:/i.test(specifier));
}

function packageName(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** The error Node itself throws for a package it cannot find, from require() or from import; `why` follows on a line of its own. */
function notFound(specifier, parentPath, isRequire, why) {
  const message = isRequire
    ? `Cannot find module '${specifier}'\nRequire stack:\n- ${parentPath}`
    : `Cannot find package '${packageName(specifier)}' imported from ${parentPath}`;
  const error = new Error(why === undefined ? message : `${message}\n${why}`);
  error.code = isRequire ? 'MODULE_NOT_FOUND' : 'ERR_MODULE_NOT_FOUND';
  if (isRequire) error.requireStack = [parentPath];
  return error;
}

/** The `type` of the nearest package.json from `folder` up to `root` (inclusive); null if there is none. */
function packageTypeWithin(folder, root, cache) {
  const key = `${folder}\0${root}`;
  if (cache.has(key)) return cache.get(key);
  let type = null;
  const file = path.join(folder, 'package.json');
  if (existsSync(file)) {
    try {
      type = JSON.parse(readFileSync(file, 'utf8')).type === 'module' ? 'module' : 'commonjs';
    } catch {
      type = 'commonjs';
    }
  } else if (folder !== root && isInside(folder, root)) {
    type = packageTypeWithin(path.dirname(folder), root, cache);
  }
  cache.set(key, type);
  return type;
}

/** The type Node itself would give: the nearest package.json anywhere above. */
function packageTypeAnywhere(folder, cache) {
  return packageTypeWithin(folder, path.parse(folder).root, cache);
}

const ESM_SYNTAX =
  /Cannot use import statement outside a module|Unexpected token 'export'|Cannot use 'import\.meta' outside a module|await is only valid/;

/** Node's syntax detection for a `.js` file under no package.json `type`: ES module syntax that fails as CommonJS. */
function looksLikeModule(file) {
  try {
    new Script(`(function (exports, require, module, __filename, __dirname) {${readFileSync(file, 'utf8')}\n})`, { filename: file });
    return false;
  } catch (error) {
    return error instanceof SyntaxError && ESM_SYNTAX.test(error.message);
  }
}

/**
 * In Lambda a function's folder is the top of its world: a `.js` file with no package.json
 * up to the task root is CommonJS (unless its syntax says ES module). Here the folder may
 * sit under a project whose package.json says `"type": "module"` (cdk.out inside an ESM
 * project), which would make Node load a CommonJS bundle as an ES module; such files are
 * loaded as CommonJS, through both loaders (the ES loader's format, the CommonJS loader's
 * `.js` handler, which reads the package type on its own).
 */
function installModuleFormat(ownRoots) {
  const cache = new Map();
  const decided = new Map();
  const forcedCommonJs = (file) => {
    if (!decided.has(file)) decided.set(file, decideCommonJs(file));
    return decided.get(file);
  };
  const decideCommonJs = (file) => {
    if (!file.endsWith('.js')) return false;
    const root = ownRoots.find((r) => isInside(file, r));
    if (root === undefined) return false;
    const folder = path.dirname(file);
    if (packageTypeWithin(folder, root, cache) !== null) return false;
    if (packageTypeAnywhere(path.dirname(root), cache) !== 'module') return false;
    return !looksLikeModule(file);
  };
  const loadJs = Module._extensions['.js'];
  Module._extensions['.js'] = function (module, filename) {
    if (forcedCommonJs(filename)) return module._compile(readFileSync(filename, 'utf8'), filename, 'commonjs');
    return loadJs.call(this, module, filename);
  };
  registerHooks({
    load(url, context, nextLoad) {
      if (url.startsWith('file:') && forcedCommonJs(fileURLToPath(url))) return nextLoad(url, { ...context, format: 'commonjs' });
      return nextLoad(url, context);
    },
  });
}

/** Whether a Lambda runtime identifier is one of the Node.js runtimes that shipped the SDK v2 (nodejs16.x and older). */
export function shipsSdkV2(runtime) {
  const major = /^nodejs(\d+)/.exec(runtime ?? '')?.[1];
  return major !== undefined && Number(major) <= 16;
}

/**
 * @param {{ taskRoot: string, layerRoots: string[], sdkRoots: string[], sdkUnavailable?: Record<string, string>, runtime?: string }} options
 *   taskRoot: the function's folder; layerRoots: each layer's folder (its `nodejs/node_modules`
 *   is searched); sdkRoots: the folders whose node_modules hold the SDK the runtime provides,
 *   searched in order (the last is switchyard-cli's, which also brings the SDK v2 for old runtimes);
 *   sdkUnavailable: SDK packages that could not be had locally, with why (said with their Cannot find module);
 *   runtime: the function's runtime identifier (nodejs16.x and older also get the SDK v2).
 */
export function installModuleResolution({ taskRoot, layerRoots, sdkRoots, sdkUnavailable = {}, runtime }) {
  const ownRoots = [taskRoot, ...layerRoots].map((root) => path.resolve(root));
  const layerModuleFolders = layerModuleFoldersOf(layerRoots);
  const parents = sdkRoots.map((root) => pathToFileURL(path.join(root, 'package.json')).href);
  const sdk = { runtime, unavailable: sdkUnavailable, parents, runtimeParent: parents.at(-1) };
  installModuleFormat(ownRoots);

  registerHooks({
    resolve(specifier, context, nextResolve) {
      const parentURL = context.parentURL;
      // A lookup of this hook's own (resolveFrom's require.resolve) is Node's plain resolution.
      if (ownLookups > 0) return nextResolve(specifier, context);
      if (!isBare(specifier) || isBuiltin(specifier) || !parentURL?.startsWith('file:')) return nextResolve(specifier, context);
      const parentPath = fileURLToPath(parentURL);
      // Only the function's own code is confined; the SDK's files resolve their dependencies normally.
      if (!ownRoots.some((root) => isInside(parentPath, root))) return nextResolve(specifier, context);
      const request = { specifier, context, nextResolve, parentPath, isRequire: context.conditions?.includes('require') ?? false };

      let ownError;
      try {
        const own = nextResolve(specifier, context);
        if (within(own, ownRoots)) return own;
      } catch (error) {
        if (!NOT_FOUND.has(error?.code)) throw error;
        ownError = error;
      }
      const found = resolveFromLayers(request, layerModuleFolders) ?? resolveFromRuntime(request, sdk);
      if (found) return found;
      throw ownError ?? notFound(specifier, parentPath, request.isRequire);
    },
  });
}

/** The folders a layer's packages are found in, the one a later layer has first. */
function layerModuleFoldersOf(layerRoots) {
  const layerModuleFolders = layerRoots.flatMap((root) => [
    path.join(root, 'nodejs', `node${process.versions.node.split('.')[0]}`, 'node_modules'),
    path.join(root, 'nodejs', 'node_modules'),
  ]);
  // Later layers take precedence in Lambda (their files are extracted over the earlier ones).
  layerModuleFolders.reverse();
  return layerModuleFolders;
}

function within(result, roots) {
  return !result.url.startsWith('file:') || roots.some((root) => isInside(fileURLToPath(result.url), root));
}

/**
 * How many of resolveFrom's require.resolve calls are under way: those go through the hooks
 * again (registerHooks covers require.resolve), and from a layer's folder, which is the
 * function's own, the hook would look in the layers again, endlessly, for a package none has.
 */
let ownLookups = 0;

/** Resolves `specifier` as if it were imported or required from `parentURL`; undefined if Node finds nothing there. */
function resolveFrom(specifier, context, nextResolve, parentURL, isRequire) {
  try {
    if (isRequire) {
      ownLookups++;
      let file;
      try {
        file = createRequire(parentURL).resolve(specifier);
      } finally {
        ownLookups--;
      }
      return isBuiltin(file) ? { url: `node:${file}`, shortCircuit: true } : { url: pathToFileURL(file).href, shortCircuit: true };
    }
    return nextResolve(specifier, { ...context, parentURL });
  } catch (error) {
    if (NOT_FOUND.has(error?.code)) return undefined;
    throw error;
  }
}

/** The package a function's code asks for, from the first layer that has it; undefined if none has. */
function resolveFromLayers({ specifier, context, nextResolve, isRequire }, layerModuleFolders) {
  for (const folder of layerModuleFolders) {
    const fromLayer = resolveFrom(
      specifier,
      context,
      nextResolve,
      pathToFileURL(path.join(path.dirname(folder), 'noop.js')).href,
      isRequire,
    );
    if (fromLayer && within(fromLayer, [folder])) return fromLayer;
  }
  return undefined;
}

/**
 * The package a function's code asks for, from the SDK the runtime provides (its folders in
 * order); undefined if it is not one the runtime provides. Throws Node's Cannot find module for
 * an SDK package none of them has, saying why when the start-up could not fetch it.
 */
function resolveFromRuntime(request, sdk) {
  const { specifier, context, nextResolve, parentPath, isRequire } = request;
  if (RUNTIME_PROVIDED.test(specifier)) {
    for (const parent of sdk.parents) {
      const fromRuntime = resolveFrom(specifier, context, nextResolve, parent, isRequire);
      if (fromRuntime) return fromRuntime;
    }
    const why = sdk.unavailable[packageName(specifier)];
    throw notFound(
      specifier,
      parentPath,
      isRequire,
      why === undefined ? undefined : `(Lambda's runtime includes ${packageName(specifier)}; the local runtime could not fetch it: ${why})`,
    );
  }
  if (packageName(specifier) === 'aws-sdk') return resolveSdkV2(request, sdk);
  return undefined;
}

/** The SDK v2 (`aws-sdk`), which only the nodejs16.x and older runtimes provided; throws, saying why, where it is not. */
function resolveSdkV2({ specifier, context, nextResolve, parentPath, isRequire }, { runtimeParent, runtime }) {
  if (shipsSdkV2(runtime)) {
    const fromRuntime = resolveFrom(specifier, context, nextResolve, runtimeParent, isRequire);
    if (fromRuntime) {
      // Configure the shared v2 configuration before the function's first v2 module loads.
      createRequire(import.meta.url)('./aws-sdk-v2.cjs');
      return fromRuntime;
    }
    // The v2 SDK is an optional peer of the package (about 90 MB that no nodejs18.x or
    // later function needs), so the project running the runtime brings it when it has
    // functions on the older runtimes.
    if (!resolveFrom('aws-sdk', context, nextResolve, runtimeParent, isRequire)) {
      throw notFound(
        specifier,
        parentPath,
        isRequire,
        `(the ${runtime} runtime provided the AWS SDK for JavaScript v2, ` +
          'which the local runtime gives such functions from the project running it; install it there: npm install --save-dev aws-sdk@2)',
      );
    }
  }
  // nodejs16.x and older runtimes shipped the SDK v2; nodejs18.x and later have only v3.
  throw notFound(
    specifier,
    parentPath,
    isRequire,
    `(the AWS SDK for JavaScript v2 came with the nodejs16.x and older runtimes only; nodejs18.x and later provide the v3 SDK ` +
      `(@aws-sdk/*), as here. Bundle aws-sdk with the function, or use the v3 SDK.)`,
  );
}
