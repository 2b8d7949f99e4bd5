import { invalidParameter } from './context.js';
import type { PoolRecord } from './records.js';

export interface AttributeType {
  readonly Name: string;
  readonly Value?: string;
}

/** The API's `[{ Name, Value }]` as a map; a repeated name keeps its last value, as Cognito does. */
export function attributeMap(given: unknown): Record<string, string> {
  const map: Record<string, string> = {};
  for (const entry of (Array.isArray(given) ? given : []) as AttributeType[]) map[String(entry.Name)] = String(entry.Value ?? '');
  return map;
}

export const attributeList = (attributes: Readonly<Record<string, string>>): AttributeType[] =>
  Object.entries(attributes).map(([Name, Value]) => ({ Name, Value }));

/**
 * Checks a user's attributes against the pool's schema, as SignUp and AdminCreateUser do: each
 * one the schema has, no `sub` given, the required ones present (`creating`), and on an update
 * no immutable one changed.
 * @throws AwsError InvalidParameterException, Cognito's "Attributes did not conform to the schema"
 */
export function checkAttributes(pool: PoolRecord, attributes: Readonly<Record<string, string>>, creating: boolean): void {
  const problems: string[] = [];
  for (const [name, value] of Object.entries(attributes)) {
    const schema = pool.SchemaAttributes.find((a) => a.Name === name);
    if (schema === undefined || name === 'sub') {
      problems.push(`${name}: Attribute does not exist in the schema.`);
      continue;
    }
    if (!creating && !schema.Mutable) problems.push(`${name}: Attribute cannot be updated. (changing an immutable attribute)`);
    const max = Number(schema.StringAttributeConstraints?.MaxLength ?? Number.POSITIVE_INFINITY);
    if (schema.AttributeDataType === 'String' && value.length > max)
      problems.push(`${name}: String attribute value exceeds ${max} characters.`);
    if (schema.AttributeDataType === 'Number' && !/^-?\d+(\.\d+)?$/.test(value)) problems.push(`${name}: Number is not valid.`);
  }
  if (creating) {
    for (const schema of pool.SchemaAttributes) {
      if (schema.Required && schema.Name !== 'sub' && !attributes[schema.Name])
        problems.push(`${schema.Name}: The attribute ${schema.Name} is required`);
    }
  }
  if (problems.length > 0) throw invalidParameter(`Attributes did not conform to the schema: ${problems.join('\n')}`);
}

/** `e***@e***`: how CodeDeliveryDetails shows where a code went. */
export function maskedEmail(address: string): string {
  const [local = '', domain = ''] = address.split('@');
  return `${local.charAt(0)}***@${domain.charAt(0)}***`;
}
