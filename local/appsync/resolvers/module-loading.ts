import vm from 'node:vm';
import { transformSync } from 'esbuild';
import { AppSyncResolverError } from '../errors.js';
import { codeError } from './code-errors.js';

/** The modules an APPSYNC_JS module may import, as its `require` shim hands them out. */
export type BuiltInModules = Readonly<Record<string, () => unknown>>;

/** A module's handlers as the code exports them. */
export type ModuleExports = Record<string, unknown>;

const compiled = new Map<string, vm.Script>();
/** Compiled modules kept at once; resolvers are few, so this bounds only a runtime that reloads code for hours. */
const COMPILED_LIMIT = 500;

/**
 * The module `code` compiled once (per code string): esbuild turns its ES module syntax
 * (`import { util } from '@aws-appsync/utils'`, `export function request`) into CommonJS,
 * since `vm.SourceTextModule` needs a Node flag, and the result is wrapped in a function of
 * `exports`, `require` and `module`, in strict mode as AWS runs every function ("functions
 * operate in strict mode by default", https://docs.aws.amazon.com/appsync/latest/devguide/supported-features.html).
 */
function scriptOf(code: string): vm.Script {
  const known = compiled.get(code);
  if (known) return known;
  let commonJs: string;
  try {
    commonJs = transformSync(code, { format: 'cjs', loader: 'js', target: 'es2022', sourcefile: 'code.js' }).code;
  } catch (error) {
    throw codeError(`the APPSYNC_JS code does not parse: ${(error as Error).message}`, error);
  }
  const script = new vm.Script(`(function (exports, require, module) {'use strict';${commonJs}\n})`, { filename: 'code.js' });
  if (compiled.size >= COMPILED_LIMIT) compiled.delete(compiled.keys().next().value as string);
  compiled.set(code, script);
  return script;
}

/**
 * Loads `code` in a context of its own, with JavaScript's built-ins and nothing of Node's (no
 * `require`, `process`, timers or `eval`, as the APPSYNC_JS runtime has none:
 * https://docs.aws.amazon.com/appsync/latest/devguide/supported-features.html), and answers
 * its exports. Each evaluation loads it afresh, so no module state outlives a handler, as in
 * AWS. This keeps the resolver's code to what AppSync offers; it is no security boundary
 * (the code is the app's own).
 */
export function loadModule(code: string, modules: BuiltInModules, console: unknown): ModuleExports {
  const script = scriptOf(code);
  const context = vm.createContext({ console }, { codeGeneration: { strings: false, wasm: false } });
  const wrapper = script.runInContext(context) as (exports: unknown, require: unknown, module: unknown) => void;
  const module = { exports: {} as ModuleExports };
  const require = (name: string) => {
    const load = modules[name];
    if (load === undefined) {
      throw codeError(
        `the APPSYNC_JS code imports ${JSON.stringify(name)}: APPSYNC_JS resolves only ${Object.keys(modules).join(', ')}; bundle any other module into the code (esbuild --bundle --external:@aws-appsync/utils)`,
      );
    }
    return load();
  };
  runCode(() => wrapper(module.exports, require, module));
  return module.exports;
}

/** Names Node has and APPSYNC_JS has not, which a ReferenceError names when code reaches for them. */
const NODE_ONLY =
  /^(require|process|setTimeout|setInterval|setImmediate|clearTimeout|clearInterval|queueMicrotask|Buffer|fetch|global|__dirname|__filename|eval)\b/;

/**
 * Runs code of the module: an AppSync error (util.error, an unsupported helper) and the early
 * return pass as they are; any other error is the code's own, reported as AppSync reports it
 * (errorType `Code`, the error in the message), naming a Node global it reached for.
 */
export function runCode<T>(run: () => T, passes: (error: unknown) => boolean = () => false): T {
  try {
    return run();
  } catch (error) {
    if (passes(error) || error instanceof AppSyncResolverError) throw error;
    const e = error as { name?: unknown; message?: unknown };
    const text = `${String(e?.name ?? 'Error')}: ${String(e?.message ?? error)}`;
    const missing = e?.name === 'ReferenceError' && NODE_ONLY.exec(String(e.message));
    const hint = missing
      ? ` (the APPSYNC_JS runtime has no ${missing[1]}: no Node.js globals, timers or require; import util, runtime and the DynamoDB helpers from @aws-appsync/utils)`
      : e?.name === 'EvalError'
        ? ' (the APPSYNC_JS runtime compiles no code from strings: no eval or new Function)'
        : '';
    throw codeError(`code.js: ${text}${hint}`, error);
  }
}
