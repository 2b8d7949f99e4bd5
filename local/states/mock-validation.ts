import { validationError } from '../endpoint/aws-error.js';
import {
  loadOutputModel,
  type OutputModel,
  type OutputModelService,
  type OutputShape,
  outputModelServices,
} from '../endpoint/validation/model.js';

/**
 * TestState's check of a Task state's mocked result against the output shape of the operation
 * it integrates (`mock.fieldValidationMode`, STRICT by default): STRICT wants every required
 * member and every present member of the shape's type, PRESENT only the latter, NONE nothing
 * (the API reference's MockInput). Members the shape does not have pass: AWS checks only
 * the API's fields. Member names are as a state machine sees them, Step Functions' casing of
 * the API's (`executionArn` -> `ExecutionArn`, `MD5OfMessageBody` -> `Md5OfMessageBody`).
 *
 * The messages are AWS's, as localstack recorded them against AWS (tests/aws/services/
 * stepfunctions/v2/test_state/test_field_validation_mode.snapshot.json): AWS documents none.
 * Checked against the output models of outputModelServices() (botocore's: every API model's), the model of a
 * resource's service as its module declares it (`outputModel`); a mock of another service's
 * operation, of a `.sync` or `.waitForTaskToken` pattern (whose result is not the
 * operation's) or of API Gateway and HTTP tasks is not checked.
 */
export function assertMockMatchesModel(result: unknown, resource: string, mode: string | undefined, outputModel: OutputModelOf): void {
  if (mode === 'NONE') return;
  const operation = integratedOperation(resource, outputModel);
  if (operation === undefined) return;
  const model = loadOutputModel(operation.service);
  const output = model.operations[operation.name];
  if (output === undefined) return;
  new MockCheck(model, mode === 'PRESENT').value(result, output, undefined);
}

/**
 * The botocore model whose operation's output a Task's result is, by the service its resource
 * names (`sqs`, or `aws-sdk:<name>` when `sdk`); undefined when its result is not an output.
 */
export type OutputModelOf = (service: string, sdk: boolean) => string | undefined;

function integratedOperation(resource: string, outputModel: OutputModelOf): { service: OutputModelService; name: string } | undefined {
  const match = /^arn:[\w-]+:states:::(?:aws-sdk:)?([\w-]+):(\w+)$/.exec(resource);
  if (!match) return undefined; // a Lambda function or activity ARN, or a .sync / .waitForTaskToken pattern
  const [, service = '', action = ''] = match;
  const model = outputModel(service, resource.includes(':aws-sdk:'));
  if (model === undefined || !outputModelServices().has(model)) return undefined;
  return { service: model, name: action.charAt(0).toUpperCase() + action.slice(1) };
}

/**
 * A member's name as Step Functions spells it (the AWS SDK for Java's): the API name cut into
 * words and each word capitalized, as localstack derives it.
 */
export function sfnCased(member: string): string {
  const snake = member
    .replace(/((?<=[a-z0-9])[A-Z]|(?!^)[A-Z](?=[a-z]))/g, '_$1')
    .replace(/__/g, '_')
    .toLowerCase();
  // Python's str.title(): a letter after a non-letter starts a word.
  return snake
    .split('_')
    .map((word) => word.replace(/(^|[^a-z])([a-z])/g, (_m, before: string, letter: string) => before + letter.toUpperCase()))
    .join('');
}

class MockCheck {
  constructor(
    private readonly model: OutputModel,
    private readonly presentOnly: boolean,
  ) {}

  value(value: unknown, shapeName: string, field: string | undefined): void {
    const shape = this.model.shapes[shapeName];
    if (shape === undefined) return;
    switch (shape.type) {
      case 'document':
        return;
      case 'structure':
        this.structure(value, shape, field);
        return;
      case 'list':
        if (!Array.isArray(value)) fail(`Field '${field}' must be an array`);
        for (const item of value as unknown[]) if (shape.member) this.value(item, shape.member, field);
        return;
      case 'map':
        if (!isObject(value)) fail(`Field '${field}' must be an object`);
        for (const entry of Object.values(value as object)) if (shape.value) this.value(entry, shape.value, field);
        return;
      default:
        scalar(value, shape, field);
    }
  }

  private structure(value: unknown, shape: OutputShape, field: string | undefined): void {
    // The top level is a JSON object already (TestState parsed it); a nested member must be one.
    if (!isObject(value)) {
      if (field === undefined) return;
      fail(`Field '${field}' must be an object`);
    }
    const members = new Map(Object.entries(shape.members ?? {}).map(([name, member]) => [sfnCased(name), member]));
    if (!this.presentOnly) {
      for (const required of shape.required ?? []) {
        const name = sfnCased(required);
        if (!(name in (value as object))) fail(`Required field '${name}' is missing`);
      }
    }
    for (const [name, member] of Object.entries(value as object)) {
      const memberShape = members.get(name);
      if (memberShape !== undefined) this.value(member, memberShape, name);
    }
  }
}

function scalar(value: unknown, shape: OutputShape, field: string | undefined): void {
  switch (shape.type) {
    case 'string':
    case 'timestamp':
    case 'blob':
      if (typeof value !== 'string') fail(`Field '${field}' must be a string`);
      if (shape.enum !== undefined && !shape.enum.includes(value as string)) fail(`Field '${field}' is not an expected value`);
      if (shape.min !== undefined && (value as string).length < shape.min) fail(`Field '${field}' is smaller than the minimum length`);
      if (shape.max !== undefined && (value as string).length > shape.max) fail(`Field '${field}' is larger than the maximum length`);
      return;
    case 'integer':
    case 'long':
    case 'float':
    case 'double':
      if (typeof value !== 'number' || ((shape.type === 'integer' || shape.type === 'long') && !Number.isInteger(value)))
        fail(`Field '${field}' must be a number`);
      if (shape.min !== undefined && (value as number) < shape.min) fail(`Field '${field}' is less than the minimum value`);
      if (shape.max !== undefined && (value as number) > shape.max) fail(`Field '${field}' exceeds the maximum value`);
      return;
    case 'boolean':
      if (typeof value !== 'boolean') fail(`Field '${field}' must be a boolean`);
      return;
  }
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fail(message: string): never {
  throw validationError(`Mock result schema validation error: ${message}`);
}
