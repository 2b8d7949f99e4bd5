// Types of user-function.mjs for the TypeScript side (the worker loads the .mjs itself).

/** The files a handler's module may be, in the order Lambda's runtime interface client tries them. */
export const MODULE_EXTENSIONS: readonly string[];

/** A handler string's module folder, module name and export (`dir/file.export.nested`); throws Runtime.MalformedHandlerName. */
export function parseHandlerString(handlerString: string): { moduleRoot: string; moduleName: string; handlerName: string };
