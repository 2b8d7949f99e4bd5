import { AwsError } from '../aws-error.js';
import type { RawRequest } from '../endpoint/protocols.js';
import { checkInput } from '../endpoint/validation/check-input.js';
import { loadModel } from '../endpoint/validation/model.js';
import { modelValidator, violationsMessage } from '../endpoint/validation/validator.js';

/**
 * Lambda's request checks from its model, for what a REST request carries outside its body:
 * path labels, query-string and header members (`FunctionName`, `Qualifier`, `MaxItems`,
 * `X-Amz-Invocation-Type`). Lambda answers violations with ValidationException in AWS's
 * words (`1 validation error detected: Value 'a b' at 'functionName' ...`).
 */
const model = loadModel('lambda');
const wrongType = (finding: { readonly message: string }) =>
  new AwsError('InvalidParameterValueException', `Invalid value: ${finding.message}`);
/** The region part of Lambda's ARN patterns, and as its service checks it: a European Sovereign Cloud region (`eusc-`) too. */
const REGION = '[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}';
const SERVICE_REGION = `(eusc-)?${REGION}`;
const LAYER_VERSION = `arn:(aws[a-zA-Z-]*)?:lambda:${SERVICE_REGION}:\\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+`;

/**
 * The patterns Lambda's service checks where its published model (botocore 1.43.11) has older
 * ones, as its recorded refusals quote them (2025-11): a region may be a European Sovereign
 * Cloud one, a taggable resource a layer, a layer version an AWS-managed layer (`awslayer`).
 */
const SERVICE_PATTERNS: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(model.shapes).flatMap(([name, { pattern }]) => {
    if (pattern === undefined) return [];
    if (name === 'LayerVersionArn') return [[pattern, `(${LAYER_VERSION})|(arn:[a-zA-Z0-9-]+:lambda:::awslayer:[a-zA-Z0-9-_]+)`]];
    if (!pattern.includes(REGION)) return [];
    const checked = pattern.replaceAll(REGION, SERVICE_REGION);
    return [
      [
        pattern,
        name === 'TaggableResource' ? checked.replace('|code-signing-config:', '|layer:([a-zA-Z0-9-_]+)|code-signing-config:') : checked,
      ],
    ];
  }),
);

/** The enums Lambda lists in another order than its model's, as its recorded refusals list them. */
const ENUM_ORDERS = [
  ['LATEST', 'AT_TIMESTAMP', 'TRIM_HORIZON'],
  ['Terminate', 'Allow'],
  ['RESPONSE_STREAM', 'BUFFERED'],
];
/** The constraints Lambda checks on a VpcConfig's ids, which its published model leaves bare (as its recorded refusals quote them). */
const SERVICE_SHAPES = {
  SubnetId: { min: 0, max: 1024, pattern: 'subnet-[0-9a-z]*' },
  SecurityGroupId: { min: 0, max: 1024, pattern: 'sg-[0-9a-zA-Z]*' },
};
const CHECKS = { enumOrders: ENUM_ORDERS, servicePatterns: SERVICE_PATTERNS, serviceShapes: SERVICE_SHAPES, wholeMemberConstraints: true };
const validate = modelValidator('lambda', { wrongType, ...CHECKS });

interface Route {
  readonly operation: string;
  readonly method: string;
  readonly pattern: RegExp;
  readonly labels: readonly string[];
  /** The query parameter the route names (`?find=LayerVersion`): another operation shares its path. */
  readonly query?: readonly [key: string, value: string];
}

const ROUTES: readonly Route[] = Object.entries(model.operations).map(([operation, { http }]) => {
  const [path = '', query] = http.requestUri.split('?');
  const labels: string[] = [];
  const source = path
    .split(/(\{[^}]+\})/)
    .map((part) => {
      const label = /^\{([^}+]+)\+?\}$/.exec(part);
      if (!label) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      labels.push(label[1] as string);
      return '([^/]+)';
    })
    .join('');
  const [key, value] = query?.split('=') ?? [];
  const named = key === undefined || value === undefined ? undefined : ([key, value] as const);
  return { operation, method: http.method, pattern: new RegExp(`^${source}/?$`), labels, ...(named ? { query: named } : {}) };
});
// A route naming a query is tried first: the operation sharing its path names none.
const ORDERED = [...ROUTES.filter((r) => r.query !== undefined), ...ROUTES.filter((r) => r.query === undefined)];

/** Checks a request to one of the operations in Lambda's model; any other request passes. */
export function validateLambdaRequest(request: Pick<RawRequest, 'method' | 'path' | 'query' | 'headers'>): void {
  for (const route of ORDERED) {
    if (route.method !== request.method) continue;
    if (route.query && request.query.get(route.query[0]) !== route.query[1]) continue;
    const match = route.pattern.exec(request.path);
    if (!match) continue;
    const shape = model.shapes[model.operations[route.operation]?.input ?? ''];
    const input: Record<string, unknown> = {};
    const inBody = new Set<string>();
    for (const [member, ref] of Object.entries(shape?.members ?? {})) {
      if (ref.location === undefined) inBody.add(member);
      const where = ref.locationName ?? member;
      let value: string | undefined;
      const type = model.shapes[ref.shape]?.type;
      if (ref.location === 'uri') value = match[route.labels.indexOf(where) + 1];
      else if (ref.location === 'querystring' && type === 'list') {
        // A list member is the parameter repeated (UntagResource's `tagKeys`).
        const values = request.query.getAll(where);
        if (values.length > 0) input[member] = values;
        continue;
      } else if (ref.location === 'querystring') value = request.query.get(where) ?? undefined;
      else if (ref.location === 'header') {
        const header = request.headers[where.toLowerCase()];
        value = Array.isArray(header) ? header[0] : header;
      }
      if (value === undefined) continue;
      input[member] = (type === 'integer' || type === 'long') && /^-?\d+$/.test(value) ? Number(value) : value;
    }
    // The body's members are checked with the body, by the operation that reads it (validateLambdaInput).
    const findings = checkInput(model, route.operation, input, CHECKS);
    if (findings.wrongType) throw wrongType(findings.wrongType);
    const first = (path: readonly unknown[]) => (path[0] as { member?: string } | undefined)?.member ?? '';
    const violations = findings.violations.filter((v) => !(v.kind === 'required' && inBody.has(first(v.path))));
    if (violations.length > 0) throw new AwsError('ValidationException', violationsMessage(violations));
    return;
  }
}

/** Checks an operation's whole input (its body's members with its path's) against Lambda's model. */
export function validateLambdaInput(operation: string, input: Readonly<Record<string, unknown>>): void {
  validate(operation, input);
}
