import { type Dirent, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import type { SdkClient } from '../services/service-module.js';
import type { FunctionDefinition } from './function-definition.js';

/**
 * Services whose clients the SDK's credential providers carry (STS, SSO, Cognito Identity):
 * a function holds them whatever it calls, and reaches them only without credentials in
 * its environment, which every local function has.
 */
const CREDENTIAL_SERVICES = new Set(['STS', 'SSO', 'SSO OIDC', 'Cognito Identity', 'Signin']);

/** Code files of a function's asset read for clients; a bigger asset is read up to this many bytes. */
const MAX_BYTES = 64 * 1024 * 1024;
const CODE_FILE = /\.(?:m|c)?js$/;

/**
 * A bundled v3 client names its service once, as its configuration's default
 * (`serviceId: config?.serviceId ?? "Bedrock Runtime"`, minified or not).
 */
const BUNDLED_SERVICE_ID = /serviceId\s*:\s*[\w$]+\?\.serviceId\s*\?\?\s*["']([^"']+)["']/g;
/** A client the code leaves to the runtime's SDK: `import ... from "@aws-sdk/client-x"`, `import("...")`, `require("...")`. */
const EXTERNAL_CLIENT = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*)["'](@aws-sdk\/client-[a-z0-9-]+)["']/g;

/** The AWS SDK clients a function's code holds that no local service answers: by service id when bundled, by package when external. */
export function unhostedClients(codePath: string, hosted: readonly SdkClient[]): string[] {
  const serviceIds = new Set(hosted.map((client) => client.serviceId));
  const packages = new Set(hosted.map((client) => client.package));
  const found = new Set<string>();
  for (const code of codeFiles(codePath)) {
    for (const [, serviceId = ''] of code.matchAll(BUNDLED_SERVICE_ID)) {
      if (!serviceIds.has(serviceId) && !CREDENTIAL_SERVICES.has(serviceId)) found.add(serviceId);
    }
    for (const [, name = ''] of code.matchAll(EXTERNAL_CLIENT)) {
      if (!packages.has(name) && !name.startsWith('@aws-sdk/client-sts') && !name.startsWith('@aws-sdk/client-sso')) found.add(name);
    }
  }
  return [...found].sort();
}

/** One start-up line for each function whose code holds a client of a service the runtime does not host. */
export function unhostedClientWarnings(functions: readonly FunctionDefinition[], hosted: readonly SdkClient[]): string[] {
  const lines: string[] = [];
  for (const fn of functions) {
    const clients = unhostedClients(fn.codePath, hosted);
    if (clients.length === 0) continue;
    lines.push(
      `function ${fn.name} (AWS::Lambda::Function): its code holds a client of ${clients.join(', ')}, which no local service answers; its calls fail with UnknownOperationException`,
    );
  }
  return lines;
}

/**
 * The text of each code file of a function's asset, as the start-up checks read them (its
 * node_modules too, up to MAX_BYTES): other services' checks read a function's code here
 * (the Bedrock module looks for the model ids it names).
 */
export function functionCode(fn: Pick<FunctionDefinition, 'codePath'>): Iterable<string> {
  return codeFiles(fn.codePath);
}

/** The function asset's code files (its node_modules too: a client shipped there is held as well), up to MAX_BYTES read. */
function* codeFiles(root: string): Generator<string> {
  let budget = MAX_BYTES;
  const folders = [root];
  for (let folder = folders.pop(); folder !== undefined; folder = folders.pop()) {
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
      if (entry.isDirectory()) folders.push(file);
      else if (entry.isFile() && CODE_FILE.test(entry.name)) {
        const size = statSync(file).size;
        if (size > budget) return;
        budget -= size;
        yield readFileSync(file, 'utf8');
      }
    }
  }
}
