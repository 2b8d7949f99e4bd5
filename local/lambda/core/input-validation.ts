import { AwsError } from '../../endpoint/aws-error.js';
import { checkInput } from '../../endpoint/validation/check-input.js';
import { loadModel } from '../../endpoint/validation/model.js';
import { modelValidator, violationsMessage } from '../../endpoint/validation/validator.js';

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

/**
 * Checks the members of an operation's input its request carries outside its body (path labels,
 * query-string and header members), as the codec decoded them: the body's members are checked
 * with the body, by the operation that reads it (validateLambdaInput).
 */
export function validateLambdaRequest(operation: string, input: unknown): void {
  const shape = model.shapes[model.operations[operation]?.input ?? ''];
  const given = input as Readonly<Record<string, unknown>>;
  const inBody = new Set<string>();
  const outside: Record<string, unknown> = {};
  for (const [member, ref] of Object.entries(shape?.members ?? {})) {
    if (ref.location === undefined) inBody.add(member);
    else if (given[member] !== undefined) outside[member] = given[member];
  }
  const findings = checkInput(model, operation, outside, CHECKS);
  if (findings.wrongType) throw wrongType(findings.wrongType);
  const first = (path: readonly unknown[]) => (path[0] as { member?: string } | undefined)?.member ?? '';
  const violations = findings.violations.filter((v) => !(v.kind === 'required' && inBody.has(first(v.path))));
  if (violations.length > 0) throw new AwsError('ValidationException', violationsMessage(violations));
}

/** Checks an operation's whole input (its body's members with its path's) against Lambda's model. */
export function validateLambdaInput(operation: string, input: Readonly<Record<string, unknown>>): void {
  validate(operation, input);
}
