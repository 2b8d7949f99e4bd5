import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { CliError, usageError } from '../../inspect/errors.js';
import { parseCommand } from '../args.js';
import type { Command } from './command.js';

export const HELP = `Usage: switchyard init <dir> [--switchyard <range or folder>]
       npm create switchyard@latest <dir>

Creates a CDK app in <dir> (a new or empty folder) that uses Switchyard: an EventHub with
one contract (OrderPlaced), a QueueConsumer whose handler records each order once
(createSqsConsumer, claimed in an IdempotencyStore), a Workflow started by the same event,
the cdk-nag AwsSolutions checks on every synth, and a vitest test. The folder's name is the
app's name: lowercase letters, digits and hyphens, starting with a letter (my-app).

The app depends on switchyard-cdk (the constructs, the kit and the contracts) and, as a
devDependency, on switchyard-cli (this command, switchyard dev). Both at the version that
created it: the tarballs beside the one it runs from (npx --package ./switchyard-cli-X.Y.Z.tgz
switchyard init my-app), this repository's packed packages (pack/, npm run build) when run
from a checkout, else ^X.Y.Z of the installed version.

  --switchyard <spec>   a version range for both packages (^0.2.0), or a folder holding
                        their packed tarballs (switchyard-cdk-*.tgz, switchyard-cli-*.tgz)

Then: cd <dir> && npm install && npx switchyard dev`;

/** The packages an app installs, by the role they play in it. */
export const APP_PACKAGES = { library: 'switchyard-cdk', command: 'switchyard-cli' } as const;
/** The packages a scaffolded app depends on besides Switchyard's, at the ranges Switchyard was built and tested with. */
export const APP_DEPENDENCIES = ['aws-cdk-lib', 'constructs', 'cdk-nag', '@aws-lambda-powertools/idempotency', '@aws-sdk/client-dynamodb'];
export const APP_DEV_DEPENDENCIES = ['@types/aws-lambda', '@types/node', 'aws-cdk', 'esbuild', 'tsx', 'typescript', 'vitest'];
/** The names of the package.json this code is in: the command's package, the create- package, or the repository. */
const OWN_NAMES = new Set(['switchyard-cli', 'create-switchyard', 'switchyard-workspace']);

/** npm's rules for a package name, narrowed so the name also makes a class and stack name. */
const APP_NAME = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
const MAX_NAME_LENGTH = 50;
/** Template files all end in `.tmpl`: not compiled, linted or packed as the package's own sources. */
const TEMPLATE_SUFFIX = '.tmpl';
/** npm pack leaves out files named .gitignore, so the template's is stored without the dot (and .nvmrc beside it alike). */
const RENAMED: Readonly<Record<string, string>> = { gitignore: '.gitignore', nvmrc: '.nvmrc' };
/**
 * The Node an app's tests need: they start a local runtime, which runs on Lambda's
 * nodejs24.x Node (node:sqlite). The app's engines names it and its pretest
 * (scripts/check-node.mjs) refuses an older Node before vitest fails on it naming none.
 */
const APP_NODE_MAJOR = 24;

export const init: Command = async (argv, io) => {
  const { values, positionals } = parseCommand(argv, { switchyard: { type: 'string' } });
  if (values.help) return io.out(HELP);
  if (positionals.length !== 1) throw usageError("init takes one <dir>, the new app's folder: switchyard init my-app");
  const dir = path.resolve(String(positionals[0]));
  const name = path.basename(dir);
  if (!APP_NAME.test(name) || name.length > MAX_NAME_LENGTH) {
    throw usageError(
      `"${name}" cannot name an app: use lowercase letters, digits and single hyphens, starting with a letter, ` +
        `at most ${MAX_NAME_LENGTH} characters (for example my-app); the folder's name is the app's name`,
    );
  }
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory()) throw usageError(`${dir} is a file: give a new folder for the app`);
    if (readdirSync(dir).length > 0)
      throw usageError(`${dir} is not empty: give a new folder, or empty this one, so no file is overwritten`);
  }

  const own = ownPackage();
  const specs = values.switchyard === undefined ? dependencySpecs(own) : givenSpecs(String(values.switchyard), own);
  const replacements: Record<string, string> = { __NAME__: name, __CLASS__: className(name), __NODE__: String(APP_NODE_MAJOR) };
  const files = templateFiles(path.join(own.root, templateFolder(own.root)));
  mkdirSync(dir, { recursive: true });
  for (const file of files) {
    const target = path.join(dir, targetPath(file.relative, replacements));
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, substitute(readFileSync(file.absolute, 'utf8'), replacements));
  }
  writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(appManifest(name, specs, own.manifest), null, 2)}\n`);

  io.out(`created ${name} in ${dir} (switchyard-cdk ${specs.library}, switchyard-cli ${specs.command})

Next:
  cd ${path.relative(process.cwd(), dir) || '.'}
  npm install
  npx switchyard dev       # the app on this machine, reloaded as you edit
  npm test                 # the template and cdk-nag checks, and the flow on a local runtime (an order sent twice, recorded once)`);
};

export interface OwnPackage {
  /** The folder of this package's package.json: a checkout, or node_modules/<name>. */
  readonly root: string;
  readonly manifest: Manifest;
}

export interface Manifest {
  readonly name?: string;
  readonly version?: string;
  readonly dependencies?: Record<string, string>;
  readonly devDependencies?: Record<string, string>;
  readonly peerDependencies?: Record<string, string>;
  /** The ranges a scaffolded app gets (written by the build into the packages' manifests). */
  readonly appDependencies?: Record<string, string>;
}

/** This package (compiled in dist/cli/commands, or the sources in cli/commands): the nearest package.json with one of its names. */
export function ownPackage(): OwnPackage {
  for (let dir = import.meta.dirname; ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (existsSync(file)) {
      const manifest = JSON.parse(readFileSync(file, 'utf8')) as Manifest;
      if (manifest.name !== undefined && OWN_NAMES.has(manifest.name)) return { root: dir, manifest };
    }
    if (path.dirname(dir) === dir)
      throw new CliError(`no package.json of ${[...OWN_NAMES].join(' or ')} is above ${import.meta.dirname}: reinstall the package`);
  }
}

/** The template beside the CLI: cli/init/template in a checkout, dist/cli/init/template in the package. */
function templateFolder(root: string): string {
  for (const folder of ['cli/init/template', 'dist/cli/init/template']) {
    if (existsSync(path.join(root, folder))) return folder;
  }
  throw new CliError(`the app template is missing from ${root}: reinstall the package`);
}

interface Specs {
  readonly library: string;
  readonly command: string;
}

/**
 * What the new app's package.json says about Switchyard's two packages, so that it runs the
 * Switchyard that created it:
 * - installed by npm from a tarball (`npx --package ./switchyard-cli-X.tgz`, whose cache
 *   folder records `file:<path>` in its package.json, or an app that depends on one): the
 *   tarballs of both packages in that tarball's folder, as `file:` absolute paths;
 * - a checkout of this repository (not inside node_modules): its packed packages in pack/;
 * - otherwise (installed from the registry): `^` the installed version.
 */
function dependencySpecs(own: OwnPackage): Specs {
  if (path.basename(path.dirname(own.root)) !== 'node_modules') {
    const packed = path.join(own.root, 'pack');
    for (const name of Object.values(APP_PACKAGES)) {
      if (!existsSync(path.join(packed, name, 'package.json')))
        throw new CliError(`${path.join(packed, name)} is not built: run npm run build in ${own.root} first, or give --switchyard`);
    }
    return { library: `file:${path.join(packed, APP_PACKAGES.library)}`, command: `file:${path.join(packed, APP_PACKAGES.command)}` };
  }
  const host = path.dirname(path.dirname(own.root));
  const hostManifest = path.join(host, 'package.json');
  const ownName = own.manifest.name ?? '';
  if (existsSync(hostManifest)) {
    const manifest = JSON.parse(readFileSync(hostManifest, 'utf8')) as Manifest;
    const spec = manifest.dependencies?.[ownName] ?? manifest.devDependencies?.[ownName];
    if (spec?.startsWith('file:')) return tarballSpecs(path.dirname(path.resolve(host, spec.slice('file:'.length))), own);
  }
  if (own.manifest.version === undefined)
    throw new CliError(`${ownName}'s package.json at ${own.root} has no version: reinstall the package`);
  return { library: `^${own.manifest.version}`, command: `^${own.manifest.version}` };
}

/** `--switchyard`: a range for both packages, or a folder holding their tarballs. */
function givenSpecs(given: string, own: OwnPackage): Specs {
  const folder = path.resolve(given);
  if (existsSync(folder) && statSync(folder).isDirectory()) return tarballSpecs(folder, own);
  return { library: given, command: given };
}

/** The packed tarballs of both packages in `folder`, at this package's version. */
function tarballSpecs(folder: string, own: OwnPackage): Specs {
  const tarball = (name: string): string => {
    const file = path.join(folder, `${name}-${own.manifest.version}.tgz`);
    if (!existsSync(file))
      throw new CliError(
        `${file} is missing: pack ${name} beside ${own.manifest.name ?? 'this package'}'s tarball, or give --switchyard <range>`,
      );
    return `file:${file}`;
  };
  return { library: tarball(APP_PACKAGES.library), command: tarball(APP_PACKAGES.command) };
}

/**
 * The app's package.json. Versions come from this package's own manifest, so an app gets the
 * CDK, cdk-nag and tool versions this Switchyard was built and tested with.
 */
function appManifest(name: string, specs: Specs, own: Manifest): Record<string, unknown> {
  const range = (dependency: string): string => {
    const found =
      own.appDependencies?.[dependency] ??
      own.peerDependencies?.[dependency] ??
      own.dependencies?.[dependency] ??
      own.devDependencies?.[dependency];
    if (found === undefined) throw new CliError(`${own.name}'s package.json names no version of ${dependency}: reinstall the package`);
    return found;
  };
  const pick = (names: readonly string[]) => Object.fromEntries(names.map((n) => [n, range(n)]));
  return {
    name,
    version: '0.1.0',
    private: true,
    type: 'module',
    engines: { node: `>=${APP_NODE_MAJOR}` },
    scripts: {
      dev: 'switchyard dev',
      pretest: 'node scripts/check-node.mjs',
      test: 'vitest run',
      typecheck: 'tsc',
      synth: 'cdk synth --quiet',
      deploy: 'cdk deploy',
      cdk: 'cdk',
    },
    dependencies: { [APP_PACKAGES.library]: specs.library, ...pick(APP_DEPENDENCIES) },
    devDependencies: { [APP_PACKAGES.command]: specs.command, ...pick(APP_DEV_DEPENDENCIES) },
  };
}

function templateFiles(folder: string): { absolute: string; relative: string }[] {
  return readdirSync(folder, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(TEMPLATE_SUFFIX))
    .map((entry) => {
      const absolute = path.join(entry.parentPath, entry.name);
      return { absolute, relative: path.relative(folder, absolute) };
    });
}

function targetPath(relative: string, replacements: Record<string, string>): string {
  const parts = relative.slice(0, -TEMPLATE_SUFFIX.length).split(path.sep);
  return parts.map((part) => RENAMED[part] ?? substitute(part, replacements)).join(path.sep);
}

function substitute(text: string, replacements: Record<string, string>): string {
  return text.replace(/__[A-Z]+__/g, (token) => replacements[token] ?? token);
}

/** my-app -> MyApp: the stack's class and construct id. */
function className(name: string): string {
  return name
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}
