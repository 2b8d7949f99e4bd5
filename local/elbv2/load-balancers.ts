/**
 * The template's Application Load Balancers as the local endpoint serves them:
 * `http://<endpoint>/_aws/elb/<load-balancer-name>/<listener-port>/<path>` stands in for
 * `http(s)://<dns-name>[:<port>]/<path>`. A listener's rules are tried in priority order, its
 * default action takes what none matches; forwarding to a Lambda target group invokes the
 * function with the load balancer's event (lambda-target.ts).
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/listener-update-rules.html
 */
import type { AppHttpService } from '../endpoint/server.js';
import { rootHeader } from '../endpoint/trace-header.js';
import type { InvokeOutcome } from '../lambda/runtime/function-runtime.js';
import type { ListenerAction, ListenerDefinition, LoadBalancerDefinition, RuleCondition, TargetGroupDefinition } from './definitions.js';
import { type TargetAnswer, type TargetRequest, targetAnswer, targetEvent } from './lambda-target.js';

/** The path-style local form: `/_aws/elb/<name>/<port>/<path>`. */
export const PATH_PREFIX = '/_aws/elb/';

/** The largest request body a load balancer hands a Lambda target (1 MB). */
const MAX_REQUEST_BYTES = 1024 * 1024;

type Request = Parameters<AppHttpService['handle']>[0];

export interface LoadBalancersOptions {
  readonly loadBalancers: readonly LoadBalancerDefinition[];
  readonly targetGroups: readonly TargetGroupDefinition[];
  /** Invokes a function synchronously, as the load balancer does. */
  readonly invoke: (functionName: string, event: unknown) => Promise<InvokeOutcome>;
  readonly log: (line: string) => void;
  /** Picks among a forward action's weighted target groups; a number in [0, 1). @default Math.random */
  readonly random?: () => number;
}

/** Where a listener answers locally, for the start-up report and DescribeStacks' outputs. */
export interface ListenerAddress {
  readonly loadBalancer: LoadBalancerDefinition;
  readonly listener: ListenerDefinition;
  /** The address on AWS: `http://<dns-name>` (the port only when not the protocol's own). */
  readonly aws: string;
  /** The path-style URL on the endpoint, without a trailing slash. */
  readonly local: string;
}

/** The listeners' addresses on AWS and on the endpoint at `endpointUrl`. */
export function listenerAddresses(loadBalancers: readonly LoadBalancerDefinition[], endpointUrl: string): ListenerAddress[] {
  return loadBalancers.flatMap((loadBalancer) =>
    loadBalancer.listeners.map((listener) => {
      const scheme = listener.protocol === 'HTTPS' ? 'https' : 'http';
      const own = (scheme === 'https' ? 443 : 80) === listener.port;
      return {
        loadBalancer,
        listener,
        aws: `${scheme}://${loadBalancer.dnsName}${own ? '' : `:${listener.port}`}`,
        local: `${endpointUrl}${PATH_PREFIX}${loadBalancer.name}/${listener.port}`,
      };
    }),
  );
}

export class LoadBalancers implements AppHttpService {
  #loadBalancers: ReadonlyMap<string, LoadBalancerDefinition> = new Map();
  #targetGroups: ReadonlyMap<string, TargetGroupDefinition> = new Map();

  constructor(private readonly options: LoadBalancersOptions) {
    this.reload(options.loadBalancers, options.targetGroups);
  }

  /** Takes a reloaded app's load balancers (`switchyard dev`). */
  reload(loadBalancers: readonly LoadBalancerDefinition[], targetGroups: readonly TargetGroupDefinition[]): void {
    this.#loadBalancers = new Map(loadBalancers.map((lb) => [lb.name, lb]));
    this.#targetGroups = new Map(targetGroups.map((group) => [group.arn, group]));
  }

  get loadBalancers(): readonly LoadBalancerDefinition[] {
    return [...this.#loadBalancers.values()];
  }

  handles(_host: string | undefined, url: string): boolean {
    return url.startsWith(PATH_PREFIX);
  }

  async handle(request: Request): Promise<TargetAnswer> {
    const [name = '', port = '', ...rest] = request.url.slice(PATH_PREFIX.length).split('/');
    const tail = `/${rest.join('/')}`;
    const at = tail.indexOf('?');
    const path = at < 0 ? tail : tail.slice(0, at);
    const rawQueryString = at < 0 ? '' : tail.slice(at + 1);
    const loadBalancer = this.#loadBalancers.get(name);
    const listener = loadBalancer?.listeners.find((l) => String(l.port) === port);
    if (loadBalancer === undefined || listener === undefined) {
      const known = [...this.#loadBalancers.values()].flatMap((lb) => lb.listeners.map((l) => `${PATH_PREFIX}${lb.name}/${l.port}/`));
      const text = `no load balancer listener at ${PATH_PREFIX}${name}/${port}/ (the app's: ${known.join(', ') || 'none'})`;
      return { status: 404, headers: { 'content-type': 'text/plain' }, body: Buffer.from(text) };
    }
    const headers = request.headers;
    const target: TargetRequest = {
      method: request.method,
      path,
      rawQueryString,
      headers,
      body: request.body,
      sourceIp: request.sourceIp,
      port: listener.port,
      protocol: listener.protocol === 'HTTPS' ? 'https' : 'http',
      traceId: headers['x-amzn-trace-id']?.at(-1) ?? rootHeader(),
    };
    const rule = listener.rules.find((r) => r.conditions.every((c) => matches(c, target)));
    const action = rule?.action ?? listener.defaultAction;
    return this.#act(`${loadBalancer.name}:${listener.port}`, action, target, headers.host?.at(-1) ?? '');
  }

  async #act(where: string, action: ListenerAction, request: TargetRequest, host: string): Promise<TargetAnswer> {
    switch (action.type) {
      case 'fixed-response':
        return {
          status: action.statusCode,
          headers: { 'content-type': action.contentType ?? 'text/plain; charset=utf-8' },
          body: Buffer.from(action.body ?? ''),
        };
      case 'redirect':
        return { status: action.statusCode, headers: { location: redirectLocation(action, request, host) }, body: Buffer.alloc(0) };
      case 'not-run':
        this.options.log(`[elbv2] ${where} ${request.method} ${request.path}: 501: ${action.what} is not run locally`);
        return errorPage(501, 'Not Implemented');
      case 'forward':
        return this.#forward(where, this.#pick(action.targetGroups), request);
    }
  }

  #pick(groups: readonly { readonly arn: string; readonly weight: number }[]): string {
    const total = groups.reduce((sum, g) => sum + g.weight, 0);
    let point = (this.options.random ?? Math.random)() * total;
    for (const group of groups) {
      point -= group.weight;
      if (point < 0) return group.arn;
    }
    return groups.at(-1)?.arn ?? '';
  }

  async #forward(where: string, arn: string, request: TargetRequest): Promise<TargetAnswer> {
    const group = this.#targetGroups.get(arn);
    const fn = group?.functions[0];
    if (group === undefined || fn === undefined) {
      const why = group === undefined ? `target group ${arn} is not in the app` : (group.notRun ?? `${group.resource} has no target`);
      this.options.log(`[elbv2] ${where} ${request.method} ${request.path}: 503: ${why}`);
      return errorPage(503, 'Service Temporarily Unavailable');
    }
    if (request.body.length > MAX_REQUEST_BYTES) {
      this.options.log(`[elbv2] ${where} ${request.method} ${request.path}: 413: the body is over 1 MB, the most a Lambda target takes`);
      return errorPage(413, 'Request Entity Too Large');
    }
    const outcome = await this.options.invoke(fn, targetEvent(request, group.arn, group.multiValueHeaders));
    if (!outcome.ok) {
      this.options.log(
        `[elbv2] ${where} ${request.method} ${request.path}: 502: ${fn} failed: ${outcome.error.errorType}: ${outcome.error.errorMessage}`,
      );
      return errorPage(502, 'Bad Gateway');
    }
    const answer = targetAnswer(outcome.payload, group.multiValueHeaders);
    if ('malformed' in answer) {
      this.options.log(`[elbv2] ${where} ${request.method} ${request.path}: 502: ${fn}: ${answer.malformed}`);
      return errorPage(502, 'Bad Gateway');
    }
    return answer;
  }
}

/** Whether the request meets one condition of a rule (values of one condition are alternatives). */
function matches(condition: RuleCondition, request: TargetRequest): boolean {
  const header = (name: string) => request.headers[name] ?? [];
  switch (condition.field) {
    case 'path-pattern':
      return condition.values.some((v) => wildcard(v, false).test(request.path));
    case 'host-header':
      return condition.values.some((v) => header('host').some((h) => wildcard(v, true).test(h.replace(/:\d+$/, ''))));
    case 'http-request-method':
      return condition.values.includes(request.method);
    case 'http-header':
      return condition.values.some((v) => header(condition.name).some((h) => wildcard(v, true).test(h)));
    case 'query-string': {
      const pairs = request.rawQueryString.split('&').map((pair) => {
        const eq = pair.indexOf('=');
        return eq < 0 ? { key: pair, value: '' } : { key: pair.slice(0, eq), value: pair.slice(eq + 1) };
      });
      return condition.pairs.some((want) =>
        pairs.some(
          (got) => (want.key === undefined || wildcard(want.key, true).test(got.key)) && wildcard(want.value, true).test(got.value),
        ),
      );
    }
    case 'source-ip':
      return condition.values.some((cidr) => inCidr(request.sourceIp, cidr));
  }
}

/** A rule value with `*` (any characters) and `?` (one), matched whole; path patterns are case sensitive, the others not. */
function wildcard(pattern: string, ignoreCase: boolean): RegExp {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`, ignoreCase ? 'i' : '');
}

/** Whether an IPv4 address lies in a CIDR block (an IPv6 block matches no IPv4 caller). */
function inCidr(ip: string, cidr: string): boolean {
  const [base = '', bits = '32'] = cidr.split('/');
  const toNumber = (address: string) =>
    address
      .replace(/^::ffff:/, '')
      .split('.')
      .reduce((n, part) => n * 256 + Number(part), 0);
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(base)) return false;
  const size = 2 ** (32 - Number(bits));
  return Math.floor(toNumber(ip) / size) === Math.floor(toNumber(base) / size);
}

/** A redirect's Location: its `#{protocol}`, `#{host}`, `#{port}`, `#{path}` and `#{query}` filled from the request. */
function redirectLocation(action: Extract<ListenerAction, { type: 'redirect' }>, request: TargetRequest, host: string): string {
  const fill = (text: string) =>
    text
      .replace(/#\{protocol\}/g, request.protocol)
      .replace(/#\{host\}/g, host.replace(/:\d+$/, ''))
      .replace(/#\{port\}/g, String(request.port))
      .replace(/#\{path\}/g, request.path.replace(/^\//, ''))
      .replace(/#\{query\}/g, request.rawQueryString);
  const protocol = fill(action.protocol).toLowerCase();
  const query = fill(action.query);
  return `${protocol}://${fill(action.host)}:${fill(action.port)}${fill(action.path)}${query === '' ? '' : `?${query}`}`;
}

/** The load balancer's own error page, as `awselb/2.0` answers it. */
function errorPage(status: number, reason: string): TargetAnswer {
  const title = `${status} ${reason}`;
  const html = `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n</body>\r\n</html>\r\n`;
  return { status, headers: { 'content-type': 'text/html', server: 'awselb/2.0' }, body: Buffer.from(html) };
}
