import type { IncomingHttpHeaders } from 'node:http';
import { networkInterfaces } from 'node:os';

/**
 * Who may talk to the local endpoint (and to the DynamoDB engine's own port). It listens on
 * loopback, but a web page open in the user's browser can still reach it: by DNS rebinding
 * (a name of the attacker's that resolves to 127.0.0.1, sent as the Host) or by plain
 * cross-origin requests (a form post needs no credentials and no preflight). Both show in
 * headers an SDK never sends that way, so they are refused here, before anything is read or done.
 */
export interface HostPolicy {
  /** The names allowed besides loopback ones (the bind address, --allow-host names), for the start-up line. */
  readonly extraNames: readonly string[];
  /** Whether a Host header (name or address, with or without port) may reach the endpoint. */
  allows(hostHeader: string | undefined): boolean;
}

export interface Refusal {
  readonly code: 'ForbiddenHost' | 'ForbiddenOrigin';
  readonly message: string;
}

/**
 * Labels SDKs put in front of an endpoint's host for some operations (`hostPrefix` in the
 * service models: Step Functions' StartSyncExecution goes to `sync-<host>`). After any
 * name, a `.`-joined label is a subdomain of that name (S3's `<bucket>.<host>`); a
 * `-`-joined one is a different name, so after a name the user allowed, only these count.
 */
const SDK_DASH_PREFIXES = [
  'analytics-',
  'control-storage-',
  'data-',
  'query-',
  'runtime-',
  'storage-',
  'stream-',
  'sync-',
  'tags-',
  'workflows-',
];

/** How to allow another name, for the refusal's message. */
export const ALLOW_HOST_HINT = 'start the runtime with --allow-host <name> (env SWITCHYARD_ALLOW_HOSTS=<name>,<name>)';

/** Whether an address the server listens on is reachable from this machine only. */
export function isLoopbackAddress(address: string): boolean {
  return loopbackLiteral(stripBrackets(address.toLowerCase()));
}

/**
 * The Host names a server answers: loopback names and addresses always; when it listens on
 * another address on purpose, that address (or, for 0.0.0.0 and ::, every address of this
 * machine) and the names the user allowed.
 */
export function hostPolicy(options: { bindAddress?: string; allowHosts?: readonly string[] } = {}): HostPolicy {
  const bindAddress = (options.bindAddress ?? '127.0.0.1').toLowerCase();
  const extra = new Set((options.allowHosts ?? []).map((name) => normalizeName(stripPort(name))).filter((name) => name !== ''));
  if (!isLoopbackAddress(bindAddress)) {
    const wildcard = bindAddress === '0.0.0.0' || stripBrackets(bindAddress) === '::';
    const addresses = wildcard
      ? Object.values(networkInterfaces())
          .flat()
          .map((info) => info?.address)
      : [];
    addresses.push(bindAddress);
    for (const address of addresses) if (address) extra.add(normalizeName(stripBrackets(address)));
  }
  return {
    extraNames: [...extra].sort(),
    allows(hostHeader) {
      if (hostHeader === undefined) return false;
      const name = normalizeName(stripPort(hostHeader));
      if (name === '') return false;
      if (loopbackName(name) || extra.has(name)) return true;
      for (let i = 1; i < name.length; i++) {
        const joint = name[i];
        if (joint !== '.' && joint !== '-') continue;
        const base = name.slice(i + 1);
        const prefix = name.slice(0, i + 1);
        if (!/^[a-z0-9][a-z0-9.-]*$/.test(prefix)) return false;
        // A loopback literal or `localhost` cannot be anybody's domain, so any label may join it.
        if (loopbackName(base)) return true;
        if (extra.has(base) && (joint === '.' || SDK_DASH_PREFIXES.includes(prefix))) return true;
      }
      return false;
    },
  };
}

/**
 * Why a request must be refused, or undefined when it may go on: its Host is not one the
 * policy allows, or it comes from a web page of another origin than the endpoint's own.
 * @param port the port of the endpoint's own origin (`http://127.0.0.1:<port>`)
 * @param options `anyOrigin` for a request to an app's own API (API Gateway): on AWS any web
 *   page may call it and the API's CORS settings tell the browser what the page may read, so
 *   only the Host (DNS rebinding) is checked
 */
export function refusal(
  headers: IncomingHttpHeaders,
  policy: Pick<HostPolicy, 'allows'>,
  port: number,
  options: { anyOrigin?: boolean } = {},
): Refusal | undefined {
  const host = single(headers.host);
  if (!policy.allows(host)) {
    return {
      code: 'ForbiddenHost',
      message:
        host === undefined
          ? 'the local runtime refuses requests without a Host header'
          : `the local runtime refuses Host ${JSON.stringify(host)}: it answers loopback names (localhost, *.localhost, 127.0.0.0/8, [::1]) and names it was told to allow, so that a web page cannot reach it through DNS rebinding; to allow ${JSON.stringify(normalizeName(stripPort(host)))}, ${ALLOW_HOST_HINT}`,
    };
  }
  if (options.anyOrigin) return undefined;
  const origin = single(headers.origin);
  if (origin !== undefined && !isOwnOrigin(origin, policy, port)) {
    return {
      code: 'ForbiddenOrigin',
      message: `the local runtime refuses requests from web pages of other origins (this one came from ${JSON.stringify(origin)}): only its own origin (http://localhost:${port}) may call it from a browser; the AWS SDKs and CLI send no Origin and are not affected`,
    };
  }
  // Browsers send Sec-Fetch-Site even where they send no Origin (a cross-site GET from an <img>).
  const site = single(headers['sec-fetch-site']);
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    return {
      code: 'ForbiddenOrigin',
      message: `the local runtime refuses requests a browser sends for a page of another site (Sec-Fetch-Site: ${site}): only its own origin (http://localhost:${port}) may call it from a browser`,
    };
  }
  return undefined;
}

function isOwnOrigin(origin: string, policy: Pick<HostPolicy, 'allows'>, port: number): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false; // `null` (a sandboxed frame, a file:// page) is nobody's own origin
  }
  return url.protocol === 'http:' && Number(url.port || 80) === port && policy.allows(url.host);
}

function loopbackName(name: string): boolean {
  return name === 'localhost' || name.endsWith('.localhost') || loopbackLiteral(name);
}

function loopbackLiteral(address: string): boolean {
  if (address === '::1' || address === '0:0:0:0:0:0:0:1') return true;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  const octets = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(v4);
  return octets?.slice(1).every((octet) => Number(octet) <= 255) === true;
}

/** `name:port`, `[v6]:port`, `[v6]` → the name or address alone. */
function stripPort(host: string): string {
  const trimmed = host.trim();
  if (trimmed.startsWith('[')) {
    const end = trimmed.indexOf(']');
    return end === -1 ? trimmed : trimmed.slice(1, end);
  }
  const colon = trimmed.indexOf(':');
  return colon === -1 || trimmed.indexOf(':', colon + 1) !== -1 ? trimmed : trimmed.slice(0, colon);
}

function stripBrackets(address: string): string {
  return address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
}

/** Lower case without the root's trailing dot (`localhost.` is `localhost`). */
function normalizeName(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
