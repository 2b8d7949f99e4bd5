import type { ApiModel } from '../endpoint/validation/model.js';

/**
 * A task's parameters as the Java SDK's request types take them: a JSON object or array given
 * for a string member (StartExecution's `input`, SendTaskSuccess's `output`) is sent as its JSON
 * text, as AWS's aws-sdk integrations serialise it implicitly; every other value passes as it is,
 * for the service to check.
 */
export function asRequestTypes(model: ApiModel, operation: string, input: unknown): unknown {
  const shape = model.operations[operation]?.input;
  return shape === undefined ? input : converted(model, shape, input);
}

function converted(model: ApiModel, shapeName: string, value: unknown): unknown {
  const shape = model.shapes[shapeName];
  if (shape === undefined || value === null || typeof value !== 'object') return value;
  if (shape.type === 'string') return JSON.stringify(value);
  if (shape.type === 'list' && Array.isArray(value) && shape.member)
    return value.map((item) => converted(model, (shape.member as { shape: string }).shape, item));
  if (Array.isArray(value)) return value;
  const entries = Object.entries(value as Record<string, unknown>);
  if (shape.type === 'map' && shape.value) {
    const valueShape = shape.value.shape;
    return Object.fromEntries(entries.map(([key, item]) => [key, converted(model, valueShape, item)]));
  }
  if (shape.type !== 'structure' || shape.members === undefined) return value;
  const members = shape.members;
  return Object.fromEntries(entries.map(([key, item]) => [key, members[key] ? converted(model, members[key].shape, item) : item]));
}
