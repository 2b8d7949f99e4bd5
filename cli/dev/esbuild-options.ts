import type { BuildOptions } from 'esbuild';

/**
 * esbuild's command-line flags (as CDK's NodejsFunction passes them, with a function's own
 * `esbuildArgs`) read into its JavaScript API's options, so a function can be rebuilt
 * incrementally by a `context` with exactly the options of its synthesis. Returns undefined
 * when a flag is not one this reader knows: the caller then runs the command line itself,
 * which is slower but builds the same bundle.
 */
export function esbuildOptions(args: readonly string[]): BuildOptions | undefined {
  const options: Options = {};
  const entryPoints: string[] = [];
  for (const arg of args) {
    if (!arg.startsWith('--')) {
      entryPoints.push(arg);
      continue;
    }
    if (!readFlag(arg.slice(2), options)) return undefined;
  }
  if (entryPoints.length !== 1 || options.outfile === undefined) return undefined;
  return { ...(options as BuildOptions), entryPoints };
}

/** The options as they are read, by their JavaScript names. */
type Options = Record<string, unknown> & { outfile?: string; supported?: Record<string, boolean> };

/** Flags without a value, and the option each sets to true. */
const SWITCHES: Readonly<Record<string, string>> = {
  bundle: 'bundle',
  minify: 'minify',
  'minify-whitespace': 'minifyWhitespace',
  'minify-identifiers': 'minifyIdentifiers',
  'minify-syntax': 'minifySyntax',
  'keep-names': 'keepNames',
  'ignore-annotations': 'ignoreAnnotations',
  splitting: 'splitting',
};

/** `--flag=value` flags taken as they are (a string option). */
const STRINGS: Readonly<Record<string, string>> = {
  platform: 'platform',
  format: 'format',
  outfile: 'outfile',
  'log-level': 'logLevel',
  tsconfig: 'tsconfig',
  charset: 'charset',
  'legal-comments': 'legalComments',
  packages: 'packages',
  jsx: 'jsx',
  'jsx-factory': 'jsxFactory',
  'jsx-fragment': 'jsxFragment',
  'jsx-import-source': 'jsxImportSource',
  'public-path': 'publicPath',
  'asset-names': 'assetNames',
  'chunk-names': 'chunkNames',
  'entry-names': 'entryNames',
  'source-root': 'sourceRoot',
  'global-name': 'globalName',
};

/** `--flag=a,b` flags: a list. */
const LISTS: Readonly<Record<string, string>> = {
  target: 'target',
  'main-fields': 'mainFields',
  conditions: 'conditions',
  'resolve-extensions': 'resolveExtensions',
};

/** `--flag:key=value` flags: a map. */
const MAPS: Readonly<Record<string, string>> = {
  loader: 'loader',
  define: 'define',
  alias: 'alias',
  'out-extension': 'outExtension',
  banner: 'banner',
  footer: 'footer',
};

/** `--flag:value`, repeatable: a list. */
const REPEATED: Readonly<Record<string, string>> = {
  external: 'external',
  inject: 'inject',
  pure: 'pure',
  drop: 'drop',
  'drop-labels': 'dropLabels',
};

function readFlag(flag: string, options: Options): boolean {
  const switched = SWITCHES[flag];
  if (switched !== undefined) {
    options[switched] = true;
    return true;
  }
  const equals = flag.indexOf('=');
  const colon = flag.indexOf(':');
  if (colon !== -1 && (equals === -1 || colon < equals)) return readKeyed(flag.slice(0, colon), flag.slice(colon + 1), options);
  const name = equals === -1 ? flag : flag.slice(0, equals);
  const value = equals === -1 ? undefined : flag.slice(equals + 1);
  if (name === 'sourcemap') {
    options.sourcemap = value === undefined ? true : (value as BuildOptions['sourcemap']);
    return true;
  }
  if (value === undefined) return false;
  if (name === 'metafile') {
    options.metafile = true;
    return true;
  }
  if (STRINGS[name] !== undefined) options[STRINGS[name]] = value;
  else if (LISTS[name] !== undefined) options[LISTS[name]] = value.split(',');
  else if (name === 'sources-content' || name === 'tree-shaking') {
    if (value !== 'true' && value !== 'false') return false;
    options[name === 'sources-content' ? 'sourcesContent' : 'treeShaking'] = value === 'true';
  } else if (name === 'log-limit' || name === 'line-limit') {
    if (!/^\d+$/.test(value)) return false;
    options[name === 'log-limit' ? 'logLimit' : 'lineLimit'] = Number(value);
  } else return false;
  return true;
}

/** `--name:key=value` (a map entry) or `--name:value` (a repeated list entry). */
function readKeyed(name: string, rest: string, options: Options): boolean {
  const repeated = REPEATED[name];
  if (repeated !== undefined) {
    options[repeated] = [...((options[repeated] as string[] | undefined) ?? []), rest];
    return true;
  }
  const map = MAPS[name];
  const equals = rest.indexOf('=');
  if (map !== undefined && equals !== -1) {
    options[map] = { ...((options[map] as Record<string, string> | undefined) ?? {}), [rest.slice(0, equals)]: rest.slice(equals + 1) };
    return true;
  }
  if (name === 'supported' && equals !== -1) {
    const value = rest.slice(equals + 1);
    if (value !== 'true' && value !== 'false') return false;
    options.supported = { ...(options.supported ?? {}), [rest.slice(0, equals)]: value === 'true' };
    return true;
  }
  return false;
}
