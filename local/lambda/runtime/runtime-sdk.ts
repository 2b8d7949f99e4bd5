import { readFileSync } from 'node:fs';
import { createRequire, isBuiltin } from 'node:module';
import * as path from 'node:path';
import type { FunctionDefinition } from '../core/function-definition.js';
import { shipsSdkV2 } from './hosts/module-resolution.mjs';
import type { PublicLayers } from './public-layers/public-layers.js';
import { runtimeLanguage, runtimeSupport } from './runtimes.js';
import { type RuntimeSdkOptions, SdkCache, SdkCacheError, type SdkRelease, sdkCacheSettings, treeHolds } from './sdk-cache.js';
import type { CodeScan } from './unhosted-clients.js';

/**
 * The folder whose node_modules holds what switchyard-cli carries (the package itself, or
 * this repository): the AWS SDK clients its own services use, found before any fetch.
 */
export const RUNTIME_ROOT = path.resolve(import.meta.dirname, '..', '..', '..');

/**
 * The AWS SDK for JavaScript v3 release that the local runtime gives functions on nodejs18.x
 * and later. AWS documents no version per runtime: each Node.js runtime includes "a specific
 * minor version" of the v3 SDK that depends on the runtime and the Region and changes when
 * Lambda updates it (Lambda developer guide, "Runtime-included SDK versions"). So one release
 * is pinned for every such runtime: the one switchyard-cli's own clients come from in this
 * repository's package-lock (test/local/lambda/runtime-sdk.test.ts keeps the two equal). A team's
 * install resolves the CLI's clients to whatever release npm picks, so a function that needs
 * anything from the cache gets every SDK package it imports from the cache (`provide`): its
 * `@aws-sdk/client-s3` and its `@aws-sdk/s3-request-presigner` are then of one release, with the
 * same `@aws-sdk/core` and `@smithy/*` versions, as in Lambda's runtime.
 */
export const SDK_RELEASE: SdkRelease = { version: '3.1169.0', publishedBefore: '2026-11-14T00:00:00.000Z' };

/**
 * What Lambda's Node.js runtimes have in /var/runtime/node_modules besides the SDK's own
 * packages: the SDK's dependencies' scopes. A function that imports one of these gets it from
 * the runtime; anything else it must bundle.
 */
const RUNTIME_SCOPES = /^@(aws-sdk|smithy|aws-crypto)\//;
/** The durable execution SDK the runtimes ship for durable functions: switchyard-cli carries it (local/lambda/durable). */
const DURABLE_SDK = /^@aws\/durable-execution-sdk-js$/;

/** What a function needs from the runtime, and what became of it at start-up. */
interface FunctionNeeds {
  readonly fn: FunctionDefinition;
  /** Packages Lambda's runtime does not have either: its init fails there too. */
  readonly notInRuntime: string[];
  /** SDK packages the local runtime could not provide (not fetched), with why. */
  readonly unavailable: Map<string, string>;
}

/**
 * The AWS SDK that functions get without bundling it, as Lambda's Node.js runtimes include
 * it: the packages switchyard-cli carries, then the cache (sdk-cache.ts), filled at start-up
 * with what the functions' code imports. Its report says, before any invocation, which
 * function needs a package that no one provides, and which package could not be fetched.
 */
export class RuntimeSdk {
  readonly cache: SdkCache;
  readonly #fetch: boolean;
  readonly #carriedRoot: string;
  readonly #carried: NodeJS.Require;
  /** SDK packages that could not be fetched, with the reason: a worker adds it to its Cannot find module. */
  readonly #unavailable = new Map<string, string>();
  #needs: FunctionNeeds[] = [];
  /** Why the cache cannot be read (its pointer damaged by hand): functions get only what the CLI carries. */
  #cacheError: string | undefined;

  constructor(
    options: RuntimeSdkOptions = {},
    /** The public layers functions name (their packages are not ones Lambda's runtime lacks). */
    readonly layers?: PublicLayers,
  ) {
    const { root, fetch } = sdkCacheSettings(options);
    this.cache = new SdkCache(root, options.release ?? SDK_RELEASE, options.npm);
    this.#fetch = fetch;
    this.#carriedRoot = options.carriedRoot ?? RUNTIME_ROOT;
    this.#carried = createRequire(path.join(this.#carriedRoot, 'package.json'));
  }

  /**
   * What a worker of the function resolves the SDK from (the cache's tree first: one release,
   * its own dependencies; then the CLI's), and its layers' folders and environment with its public layers.
   */
  forWorker(fn: FunctionDefinition): {
    roots: string[];
    unavailable: Record<string, string>;
    layerRoots: string[];
    environment: Record<string, string>;
    hiddenModules: string[];
  } {
    const tree = shipsSdkV2(fn.runtime) ? undefined : this.#tree();
    return {
      roots: [...(tree === undefined ? [] : [tree]), this.#carriedRoot],
      unavailable: Object.fromEntries(this.#unavailable),
      ...(this.layers?.forWorker(fn) ?? { layerRoots: [...(fn.layers ?? [])], environment: {}, hiddenModules: [] }),
    };
  }

  /**
   * Provides what the functions' code leaves to the runtime: fetches the SDK packages neither
   * the CLI nor the cache has, and keeps what each function lacks for the report.
   */
  async provide(functions: readonly FunctionDefinition[], scanOf: (fn: FunctionDefinition) => CodeScan, log: (line: string) => void) {
    await this.layers?.provide(functions, (fn) => scanOf(fn).external, log);
    const needs = functions
      // The JavaScript SDK is for Node.js functions; a Python function's boto3 is the machine's Python's.
      .filter((fn) => runtimeLanguage(fn.runtime) === 'nodejs' && runtimeSupport(fn.runtime) !== 'unsupported')
      .map((fn) => {
        const scan = scanOf(fn);
        const needed = this.#classify(fn, [...scan.external].sort());
        // A package it only tries to load (inside `try`) is no failure of its init, here or in Lambda.
        return { fn, ...needed, notInRuntime: needed.notInRuntime.filter((name) => !scan.optional.has(name)) };
      });
    // A function that needs the cache takes all its SDK packages from there (the cache's tree
    // resolves first), so the clients the CLI also carries are fetched with what it lacks: one release.
    const toFetch = [...new Set(needs.flatMap((need) => (need.fetch.length > 0 ? [...need.fetch, ...need.carried] : [])))].sort();
    const required = new Set(needs.flatMap((need) => need.fetch));
    const outcome = new Map<string, { notInSdk?: string; failed?: string }>();
    if (toFetch.length > 0 && !this.#fetch) {
      for (const name of toFetch) outcome.set(name, { failed: 'fetching is off (SWITCHYARD_SDK_FETCH=off)' });
    } else if (toFetch.length > 0) {
      log(`fetching ${toFetch.join(', ')} (AWS SDK for JavaScript v${this.cache.release.version}) into ${this.cache.folder}, once`);
      try {
        const result = await this.cache.fill(toFetch);
        for (const [name, reason] of result.notInSdk) outcome.set(name, { notInSdk: reason });
        for (const [name, reason] of result.failed) outcome.set(name, { failed: reason });
      } catch (error) {
        for (const name of toFetch) outcome.set(name, { failed: (error as Error).message });
      }
    }
    // A carried client that could not be fetched still loads from the CLI: only what nothing else has is unavailable.
    for (const [name, { failed }] of outcome) if (failed !== undefined && required.has(name)) this.#unavailable.set(name, failed);
    this.#needs = needs.map(({ fn, notInRuntime, fetch }) => ({
      fn,
      notInRuntime: [...notInRuntime, ...fetch.filter((name) => outcome.get(name)?.notInSdk !== undefined)],
      unavailable: new Map(fetch.flatMap((name) => (outcome.get(name)?.failed ? [[name, outcome.get(name)?.failed ?? '']] : []))),
    }));
  }

  /** The SDK packages a function imports that it will not load here (for the unhosted-client check, which they would fail first). */
  unloadable(fn: FunctionDefinition): ReadonlySet<string> {
    const need = this.#needs.find((n) => n.fn === fn);
    return new Set([...(need?.notInRuntime ?? []), ...(need?.unavailable.keys() ?? [])]);
  }

  /** The start-up report's lines: how functions get the SDK, and each function whose init will fail as it would in Lambda. */
  report(): string[] {
    const nodeFunctions = this.#needs.filter((n) => !shipsSdkV2(n.fn.runtime));
    if (nodeFunctions.length === 0) return this.layers?.report() ?? [];
    const fetched = this.#fetchedPackages();
    const lines = [
      `  AWS SDK for functions: JavaScript v3 release ${this.cache.release.version} (every package Lambda's Node.js runtimes include, no v2): ` +
        `switchyard-cli's clients${fetched.length > 0 ? `, and ${fetched.join(', ')} from ${this.cache.folder}` : `; any other is fetched into ${this.cache.folder} once`}`,
    ];
    lines.push(...(this.layers?.report() ?? []));
    for (const { fn, notInRuntime } of this.#needs) {
      if (notInRuntime.length === 0) continue;
      lines.push(
        `  function ${fn.name} (${fn.runtime}): requires ${notInRuntime.join(', ')}, which neither its code nor Lambda's ${fn.runtime} runtime ` +
          `has; its init fails with Cannot find module (Runtime.ImportModuleError from require), as it does in Lambda`,
      );
    }
    return lines;
  }

  /** One warning for each function that needs an SDK package the cache could not get: Lambda would have it. */
  warnings(): string[] {
    const unreadable =
      this.#cacheError === undefined
        ? []
        : [`the AWS SDK cache cannot be used (${this.#cacheError}); delete ${this.cache.folder} to start it anew`];
    return [
      ...unreadable,
      ...this.#needs.flatMap(({ fn, unavailable }) =>
        [...unavailable].map(
          ([name, reason]) =>
            `function ${fn.name} (AWS::Lambda::Function): needs ${name}, which Lambda's ${fn.runtime} runtime includes, but it could not be ` +
            `fetched into ${this.cache.folder} (${reason}); its init fails with Cannot find module '${name}' until a start fetches it`,
        ),
      ),
    ];
  }

  /**
   * Sorts a function's external packages: those no Lambda runtime would give it, the SDK packages
   * only the cache can give it, and those the CLI carries that the cache does not hold yet.
   */
  #classify(fn: FunctionDefinition, external: readonly string[]): { notInRuntime: string[]; fetch: string[]; carried: string[] } {
    const notInRuntime: string[] = [];
    const fetch: string[] = [];
    const carried: string[] = [];
    const tree = this.#tree();
    for (const name of external) {
      if (isBuiltin(name)) continue;
      if (name === 'aws-sdk') {
        // nodejs16.x and older shipped the v2 SDK (the project running the runtime brings it: module-resolution.mjs).
        if (!shipsSdkV2(fn.runtime)) notInRuntime.push(name);
      } else if (DURABLE_SDK.test(name)) {
      } else if (this.layers?.provides(fn, name)) {
      } else if (!RUNTIME_SCOPES.test(name)) {
        notInRuntime.push(name);
      } else if (!shipsSdkV2(fn.runtime) && !treeHolds(tree, name)) {
        (this.#isCarried(name) ? carried : fetch).push(name);
      }
    }
    return { notInRuntime, fetch, carried };
  }

  #isCarried(name: string): boolean {
    try {
      this.#carried.resolve(name);
      return true;
    } catch {
      return false;
    }
  }

  /** The cache's tree; undefined, and the reason kept for the report, when it cannot be read. */
  #tree(): string | undefined {
    try {
      return this.cache.tree();
    } catch (error) {
      if (!(error instanceof SdkCacheError)) throw error;
      this.#cacheError = `${error.message}: ${(error.cause as Error | undefined)?.message ?? 'no tree named'}`;
      return undefined;
    }
  }

  /** The packages the cache's tree was asked for (not their dependencies). */
  #fetchedPackages(): string[] {
    const tree = this.#tree();
    if (tree === undefined) return [];
    const manifest = JSON.parse(readFileSync(path.join(tree, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
    return Object.keys(manifest.dependencies ?? {}).sort();
  }
}
