import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import * as path from 'node:path';
import type { Plugin } from 'esbuild';
import { changedSince, sourceInputs } from '../bundling/bundled-sources.js';
import type { RawResponse } from '../endpoint/protocols.js';

/** The console's source (TypeScript, bundled here); the runtime imports none of it. */
const CONSOLE_ENTRY = path.resolve(import.meta.dirname, '../../console/src/main.ts');
/**
 * The console bundled at build time (scripts/build-package.mjs, with `bundleConsole`): the
 * installed package ships this instead of the console's TypeScript sources.
 */
export const PREBUILT_CONSOLE = { js: 'app.js', css: 'app.css' } as const;
const PREBUILT_DIR = path.resolve(import.meta.dirname, '../../console');

/**
 * The console's page and its two assets. No inline script or style anywhere, so the policy
 * can refuse both; `connect-src 'self'` keeps every call (AWS APIs, read API, the live
 * stream) on this origin; `frame-ancestors 'none'` keeps the approve button out of other
 * sites' frames.
 */
const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS = {
  'content-security-policy': CONSOLE_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

interface Bundle {
  readonly js: string;
  readonly css: string;
  /** A hash of both: part of the asset URLs, so they can be cached for good. */
  readonly hash: string;
  /** Every file the bundle was built from, with its mtime, to rebuild after an edit. */
  readonly inputs: ReadonlyMap<string, number>;
  /** The folders of the npm packages whose code the bundle holds (their notices ship with it: THIRD-PARTY-NOTICES.md). */
  readonly packages: readonly string[];
}

/**
 * The local console, served by the endpoint at `/` and `/console/...` (paths no AWS protocol
 * the runtime speaks uses: Lambda's REST paths start with a date, SQS's queue URLs with the
 * account id). Bundled with esbuild in memory on the first request, and again when a source
 * file changed since, so a fresh clone needs no build step and an edit shows on reload.
 */
export class ConsoleSite {
  #bundle?: Promise<Bundle>;

  constructor(private readonly entry: string = CONSOLE_ENTRY) {}

  /**
   * Whether a request is the console's: a browser's GET or HEAD of `/` (a query-protocol GET
   * carries `Action`, an SDK call a signature, in a header or presigned, or X-Amz-Target) or of
   * `/console/...`.
   */
  handles(req: IncomingMessage): boolean {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const [pathname = '/', query = ''] = (req.url ?? '/').split('?');
    if (pathname !== '/' && !pathname.startsWith('/console/')) return false;
    // A signed request is an AWS API call (S3's GET of a bucket named `console`, its ListBuckets
    // at `/`), and so is anything sent to S3's local host names: only a browser's plain GET is ours.
    if (req.headers.authorization !== undefined || req.headers['x-amz-target'] !== undefined) return false;
    const host = (req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
    if (host === 's3.localhost' || host.endsWith('.s3.localhost')) return false;
    const params = new URLSearchParams(query);
    // A query-protocol GET carries `Action`; a presigned request its signature.
    return !params.has('Action') && !params.has('X-Amz-Signature') && !params.has('X-Amz-Credential');
  }

  async handle(req: IncomingMessage): Promise<RawResponse> {
    const pathname = (req.url ?? '/').split('?')[0] ?? '/';
    let bundle: Bundle;
    try {
      bundle = await this.#current();
    } catch (error) {
      return page(500, `The console could not be built: ${(error as Error).message}`);
    }
    const head = req.method === 'HEAD';
    if (pathname === '/') {
      return {
        status: 200,
        headers: { ...SECURITY_HEADERS, 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' },
        body: head ? '' : indexHtml(bundle.hash),
      };
    }
    const asset =
      pathname === `/console/app.${bundle.hash}.js`
        ? { type: 'text/javascript; charset=utf-8', body: bundle.js }
        : pathname === `/console/app.${bundle.hash}.css`
          ? { type: 'text/css; charset=utf-8', body: bundle.css }
          : undefined;
    if (asset === undefined) return page(404, `No console file ${pathname}: open / for the console.`);
    return {
      status: 200,
      headers: { ...SECURITY_HEADERS, 'content-type': asset.type, 'cache-control': 'public, max-age=31536000, immutable' },
      body: head ? '' : asset.body,
    };
  }

  async #current(): Promise<Bundle> {
    const built = this.#bundle && (await this.#bundle.catch(() => undefined));
    if (built === undefined || changedSince(built.inputs)) {
      this.#bundle = existsSync(this.entry) ? bundleConsole(this.entry) : prebuilt();
    }
    return this.#bundle as Promise<Bundle>;
  }
}

/** Bundles the console from its sources (here on first request, or by the package build). */
export async function bundleConsole(entry: string): Promise<Bundle> {
  // esbuild is a dev dependency: loaded when the console is first opened, not at start-up.
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    outdir: '/console',
    entryNames: 'app',
    metafile: true,
    legalComments: 'none',
    logLevel: 'silent',
    plugins: [withoutAjv],
  });
  const js = result.outputFiles.find((f) => f.path.endsWith('.js'))?.text ?? '';
  const css = result.outputFiles.find((f) => f.path.endsWith('.css'))?.text ?? '';
  const packages = new Set<string>();
  // Only what ends up in the bundle counts: an input tree-shaken away holds no code of its package there.
  const used = new Set(Object.values(result.metafile.outputs).flatMap((output) => Object.keys(output.inputs)));
  for (const input of used) {
    if (input.includes(':')) continue; // a plugin's stub (`console-stub:ajv`), not a file
    const file = path.resolve(input);
    const modules = file.lastIndexOf(`${path.sep}node_modules${path.sep}`);
    if (modules !== -1) packages.add(packageFolder(file, modules));
  }
  const hash = createHash('sha256').update(js).update(css).digest('hex').slice(0, 16);
  return { js, css, hash, inputs: sourceInputs(result.metafile), packages: [...packages].sort() };
}

/** The package folder a file under node_modules belongs to (`.../node_modules/@scope/name`). */
function packageFolder(file: string, modules: number): string {
  const start = modules + `${path.sep}node_modules${path.sep}`.length;
  const parts = file.slice(start).split(path.sep);
  return file.slice(0, start) + (parts[0]?.startsWith('@') ? `${parts[0]}${path.sep}${parts[1]}` : (parts[0] as string));
}

/** The bundle the package build wrote, in an installed package (no sources to watch). */
async function prebuilt(): Promise<Bundle> {
  const jsFile = path.join(PREBUILT_DIR, PREBUILT_CONSOLE.js);
  if (!existsSync(jsFile)) {
    throw new Error(`neither the console's sources (${CONSOLE_ENTRY}) nor its prebuilt bundle (${jsFile}) are here; reinstall the package`);
  }
  const js = readFileSync(jsFile, 'utf8');
  const css = readFileSync(path.join(PREBUILT_DIR, PREBUILT_CONSOLE.css), 'utf8');
  const hash = createHash('sha256').update(js).update(css).digest('hex').slice(0, 16);
  return { js, css, hash, inputs: new Map(), packages: [] };
}

/**
 * The contracts compile their validators with ajv, which generates code with `new Function`:
 * the console's policy forbids that, and it would triple the bundle. The console checks the
 * same JSON Schemas with its own interpreter (console/src/schema-check.ts) instead.
 */
const withoutAjv: Plugin = {
  name: 'without-ajv',
  setup(build) {
    build.onResolve({ filter: /^ajv$/ }, () => ({ path: 'ajv', namespace: 'console-stub' }));
    build.onLoad({ filter: /.*/, namespace: 'console-stub' }, () => ({
      contents: 'export default class Ajv { compile() { throw new Error("ajv is not bundled into the console"); } }',
      loader: 'js',
    }));
  },
};

function indexHtml(hash: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Switchyard console</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/console/app.${hash}.css">
<script type="module" src="/console/app.${hash}.js"></script>
</head>
<body><noscript>The Switchyard console needs JavaScript.</noscript></body>
</html>
`;
}

function page(status: number, message: string): RawResponse {
  return {
    status,
    headers: { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
    body: message,
  };
}
