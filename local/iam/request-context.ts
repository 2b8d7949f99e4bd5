import type { RequestContext } from './policy-patterns.js';
import type { EvaluationPrincipal } from './statements.js';

/**
 * The request context AWS gathers for a request ("AWS global condition context keys"): what
 * the caller is (`aws:PrincipalArn`, `aws:PrincipalAccount`, `aws:PrincipalType`,
 * `aws:username`, `aws:PrincipalIsAWSService`, `aws:PrincipalServiceName`), the resource's
 * account, the time, and the keys the service supplies (`aws:SourceArn`, `kms:ViaService`),
 * which win over the defaults. Keys are lower-cased: their names are not case-sensitive.
 */
export function requestContext(options: {
  readonly principal: EvaluationPrincipal;
  readonly resourceAccount?: string;
  readonly now?: number;
  /** The Region the request is made to (`aws:RequestedRegion`). */
  readonly region?: string;
  readonly supplied?: Readonly<Record<string, string | readonly string[]>>;
}): ContextKeys {
  const context = new ContextKeys();
  const set = (key: string, value: string | readonly string[] | undefined) => {
    if (value !== undefined) context.set(key.toLowerCase(), typeof value === 'string' ? [value] : [...value]);
  };
  const { principal } = options;
  const service = principal.type === 'service';
  set('aws:PrincipalIsAWSService', service ? 'true' : 'false');
  if (service) set('aws:PrincipalServiceName', principal.arn);
  else if (principal.type !== 'anonymous') {
    set('aws:PrincipalArn', principal.roleArn ?? principal.arn);
    set('aws:PrincipalAccount', principal.account);
    set('aws:PrincipalType', PRINCIPAL_TYPES[principal.type]);
    if (principal.type === 'user') set('aws:username', principal.arn.slice(principal.arn.lastIndexOf('/') + 1));
  } else set('aws:PrincipalType', 'Anonymous');
  set('aws:ResourceAccount', options.resourceAccount);
  set('aws:RequestedRegion', options.region);
  // Calls to AWS's endpoints are made over TLS; the local endpoint stands in for them.
  set('aws:SecureTransport', 'true');
  if (options.now !== undefined) {
    set('aws:CurrentTime', new Date(options.now).toISOString().replace(/\.\d{3}Z$/, 'Z'));
    set('aws:EpochTime', String(Math.floor(options.now / 1000)));
  }
  for (const [key, value] of Object.entries(options.supplied ?? {})) set(key, value);
  return context;
}

const PRINCIPAL_TYPES: Readonly<Record<Exclude<EvaluationPrincipal['type'], 'service' | 'anonymous'>, string>> = {
  'role-session': 'AssumedRole',
  user: 'User',
  'federated-user': 'FederatedUser',
  root: 'Account',
};

const TIME_KEYS = new Set(['aws:currenttime', 'aws:epochtime']);

/** The context keys, remembering whether a policy read the time (such a decision holds only for that moment). */
export class ContextKeys extends Map<string, readonly string[]> implements RequestContext {
  #readTime = false;

  override get(key: string): readonly string[] | undefined {
    if (TIME_KEYS.has(key)) this.#readTime = true;
    return super.get(key);
  }

  get readTime(): boolean {
    return this.#readTime;
  }
}
