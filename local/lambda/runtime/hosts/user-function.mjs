// Loads a function's handler as the Lambda Node.js runtime interface client does (its
// UserFunctionLoader for nodejs24.x): the handler string `dir/sub/file.export.nested`
// names a module under the task root and a (possibly nested) export in it; the module is
// the first of `file`, `file.js`, `file.mjs`, `file.cjs` that exists, loaded with import()
// so Node decides CommonJS or ESM (a `.js` file by the nearest package.json `type`), and
// a `default` export is searched when the named one is missing. Errors carry Lambda's
// names, so an Invoke or a log reports what Lambda would. Plain JavaScript: the worker
// thread loads it without the TypeScript loader.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

const FUNCTION_EXPRESSION = /^([^.]*)\.(.*)$/;
/** The files a handler's module may be, in the order RIC tries them: `file`, `file.js`, `file.mjs`, `file.cjs`. */
export const MODULE_EXTENSIONS = ['', '.js', '.mjs', '.cjs'];

/** An error of the runtime's own (`Runtime.*`), its stack headed by that name as Lambda's runtime logs it, not by `Error`. */
export function runtimeError(name, message) {
  const error = new Error(message);
  error.name = name;
  const header = `Error: ${message}`;
  if (error.stack?.startsWith(header)) error.stack = `${name}: ${message}${error.stack.slice(header.length)}`;
  return error;
}

/** `Runtime.ImportModuleError` and `Runtime.UserCodeSyntaxError` carry the original error as text, as RIC's do. */
function wrapped(name, original) {
  const error = runtimeError(name, String(original));
  if (name === 'Runtime.UserCodeSyntaxError') error.stack = original.stack;
  return error;
}

export function parseHandlerString(handlerString) {
  if (handlerString.includes('..')) {
    throw runtimeError(
      'Runtime.MalformedHandlerName',
      `'${handlerString}' is not a valid handler name. Use absolute paths when specifying root directories in handler names.`,
    );
  }
  const base = path.basename(handlerString);
  const moduleRoot = handlerString.substring(0, handlerString.indexOf(base)).replace(/\/$/, '');
  const match = base.match(FUNCTION_EXPRESSION);
  if (!match) throw runtimeError('Runtime.MalformedHandlerName', 'Bad handler');
  return { moduleRoot, moduleName: match[1], handlerName: match[2] };
}

async function loadModule(appRoot, moduleRoot, moduleName) {
  const withoutExtension = path.resolve(appRoot, moduleRoot, moduleName);
  try {
    for (const extension of MODULE_EXTENSIONS) {
      const file = `${withoutExtension}${extension}`;
      if (existsSync(file)) return await import(pathToFileURL(file).href);
    }
    // Last, RIC asks Node to resolve the module name from the task root; only what lies
    // inside the task root counts here, as /var/task has nothing above it in Lambda.
    const require = createRequire(path.join(appRoot, 'noop.js'));
    const resolved = require.resolve(moduleName, { paths: [appRoot, path.join(appRoot, moduleRoot)] });
    if (!resolved.startsWith(`${path.resolve(appRoot)}${path.sep}`)) {
      const error = new Error(`Cannot find module '${moduleName}'\nRequire stack:\n- ${import.meta.filename}`);
      error.code = 'MODULE_NOT_FOUND';
      throw error;
    }
    return require(resolved);
  } catch (error) {
    if (error instanceof SyntaxError) throw wrapped('Runtime.UserCodeSyntaxError', error);
    if (error instanceof Error && error.code === 'MODULE_NOT_FOUND') throw wrapped('Runtime.ImportModuleError', error);
    throw error;
  }
}

function findIn(handlerName, module) {
  return handlerName.split('.').reduce((nested, key) => (nested && typeof nested === 'object' ? nested[key] : undefined), module);
}

export function resolveHandler(module, handlerName, handlerString) {
  let handler = findIn(handlerName, module);
  if (!handler && module && typeof module === 'object' && 'default' in module) handler = findIn(handlerName, module.default);
  if (!handler) throw runtimeError('Runtime.HandlerNotFound', `${handlerString} is undefined or not exported`);
  if (typeof handler !== 'function') throw runtimeError('Runtime.HandlerNotFound', `${handlerString} is not a function`);
  return handler;
}

/** The handler function named by `handlerString` under `appRoot`; throws Lambda's init errors. */
export async function loadHandler(appRoot, handlerString) {
  const { moduleRoot, moduleName, handlerName } = parseHandlerString(handlerString);
  const module = await loadModule(appRoot, moduleRoot, moduleName);
  return resolveHandler(module, handlerName, handlerString);
}
