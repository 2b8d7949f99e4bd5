import { randomInt } from 'node:crypto';
import { AwsError } from '../endpoint/aws-error.js';

/** CloudFormation's `GenerateSecretString` (and GetRandomPassword's) options. */
export interface GenerateSecretStringSpec {
  readonly PasswordLength?: number;
  readonly ExcludeCharacters?: string;
  readonly ExcludeNumbers?: boolean;
  readonly ExcludePunctuation?: boolean;
  readonly ExcludeUppercase?: boolean;
  readonly ExcludeLowercase?: boolean;
  readonly IncludeSpace?: boolean;
  readonly RequireEachIncludedType?: boolean;
  /** A JSON object the generated string is added to, under `GenerateStringKey`. */
  readonly SecretStringTemplate?: string;
  readonly GenerateStringKey?: string;
}

const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const DIGITS = '0123456789';
// Secrets Manager's punctuation set (GetRandomPassword's ExcludePunctuation documentation).
const PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';

const bool = (value: unknown, fallback: boolean) => (value === undefined ? fallback : value === true || value === 'true');

/**
 * A random secret as Secrets Manager generates one: 32 characters from letters, digits and
 * punctuation unless told otherwise, with at least one of each included type by default.
 * With a template, the JSON object with the string added under the key.
 */
export function generateSecretString(spec: GenerateSecretStringSpec): string {
  const length = spec.PasswordLength === undefined ? 32 : Number(spec.PasswordLength);
  if (!Number.isInteger(length) || length < 1 || length > 4096) {
    throw new AwsError('InvalidParameterException', `PasswordLength must be from 1 to 4096 (got ${spec.PasswordLength})`);
  }
  const exclude = new Set(spec.ExcludeCharacters ?? '');
  const classes = [
    bool(spec.ExcludeLowercase, false) ? '' : LOWER,
    bool(spec.ExcludeUppercase, false) ? '' : UPPER,
    bool(spec.ExcludeNumbers, false) ? '' : DIGITS,
    bool(spec.ExcludePunctuation, false) ? '' : PUNCTUATION,
    bool(spec.IncludeSpace, false) ? ' ' : '',
  ]
    .map((chars) => [...chars].filter((c) => !exclude.has(c)).join(''))
    .filter((chars) => chars.length > 0);
  const all = classes.join('');
  if (all.length === 0) throw new AwsError('InvalidParameterException', 'the options exclude every character');
  const requireEach = bool(spec.RequireEachIncludedType, true);
  if (requireEach && classes.length > length) {
    throw new AwsError('InvalidParameterException', `PasswordLength ${length} is too short to include a character of each type`);
  }
  const chars = Array.from({ length }, () => all.charAt(randomInt(all.length)));
  if (requireEach) {
    // One of each included type, at distinct random positions.
    const positions = new Set<number>();
    while (positions.size < classes.length) positions.add(randomInt(length));
    [...positions].forEach((position, index) => {
      const set = classes[index] ?? all;
      chars[position] = set.charAt(randomInt(set.length));
    });
  }
  const generated = chars.join('');
  if (spec.SecretStringTemplate === undefined) return generated;
  if (spec.GenerateStringKey === undefined) {
    throw new AwsError('InvalidParameterException', 'GenerateStringKey is required with SecretStringTemplate');
  }
  let template: unknown;
  try {
    template = JSON.parse(spec.SecretStringTemplate);
  } catch {
    throw new AwsError('InvalidParameterException', 'SecretStringTemplate is not valid JSON');
  }
  if (template === null || typeof template !== 'object' || Array.isArray(template)) {
    throw new AwsError('InvalidParameterException', 'SecretStringTemplate must be a JSON object');
  }
  return JSON.stringify({ ...template, [spec.GenerateStringKey]: generated });
}
