/**
 * DynamoDB's Number: a decimal of up to 38 significant digits, magnitude from 1E-130 to
 * 9.9999999999999999999999999999999999999E+125, kept exactly (never a float). Parsed into
 * a sign, its significant digits and the exponent `e` of `0.D × 10^e`; written back as
 * plain decimal text, as DynamoDB returns numbers (`1e2` is returned as `100`).
 */
export interface Decimal {
  /** -1, 0 (zero: digits '') or 1. */
  readonly sign: -1 | 0 | 1;
  /** The significant digits, no leading or trailing zeros. */
  readonly digits: string;
  /** The value is `sign × 0.digits × 10^exponent`. */
  readonly exponent: number;
}

const NUMBER = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
const ZERO: Decimal = { sign: 0, digits: '', exponent: 0 };

/** Why a Number's text cannot be stored, in DynamoDB's words; undefined when it can. */
export function numberProblem(text: string): string | undefined {
  if (text === '') return 'The parameter cannot be converted to a numeric value';
  const parsed = parseDecimal(text);
  if (parsed === undefined) return `The parameter cannot be converted to a numeric value: ${text}`;
  if (parsed.sign === 0) return undefined;
  if (parsed.exponent > 126) return 'Number overflow. Attempting to store a number with magnitude larger than supported range';
  if (parsed.exponent < -129) return 'Number underflow. Attempting to store a number with magnitude smaller than supported range';
  if (parsed.digits.length > 38) return 'Attempting to store more than 38 significant digits in a Number';
  return undefined;
}

/** The decimal a Number's text stands for; undefined if it is not a number. */
export function parseDecimal(text: string): Decimal | undefined {
  const match = NUMBER.exec(text);
  if (!match) return undefined;
  const [, signText = '', whole = '', fraction = '', exponentText] = match;
  if (whole === '' && fraction === '') return undefined;
  const all = `${whole}${fraction}`;
  const firstDigit = all.search(/[1-9]/);
  if (firstDigit < 0) return ZERO;
  const lastDigit = all.length - 1 - [...all].reverse().findIndex((c) => c !== '0');
  const exponent = whole.length - firstDigit + Number(exponentText ?? 0);
  if (!Number.isSafeInteger(exponent)) return undefined;
  return { sign: signText === '-' ? -1 : 1, digits: all.slice(firstDigit, lastDigit + 1), exponent };
}

/** Plain decimal text (no exponent), as DynamoDB answers a Number. */
export function formatDecimal(value: Decimal): string {
  if (value.sign === 0) return '0';
  const { digits, exponent } = value;
  let text: string;
  if (exponent <= 0) text = `0.${'0'.repeat(-exponent)}${digits}`;
  else if (exponent >= digits.length) text = `${digits}${'0'.repeat(exponent - digits.length)}`;
  else text = `${digits.slice(0, exponent)}.${digits.slice(exponent)}`;
  return value.sign < 0 ? `-${text}` : text;
}

/** A Number's canonical text (`01.50` -> `1.5`); the text itself if it is not a number. */
export function canonicalNumber(text: string): string {
  const parsed = parseDecimal(text);
  return parsed ? formatDecimal(parsed) : text;
}

/** -1, 0 or 1 as a is less than, equal to or greater than b. */
export function compareDecimals(a: Decimal, b: Decimal): number {
  if (a.sign !== b.sign) return a.sign < b.sign ? -1 : 1;
  if (a.sign === 0) return 0;
  let magnitude: number;
  if (a.exponent !== b.exponent) magnitude = a.exponent < b.exponent ? -1 : 1;
  else magnitude = a.digits === b.digits ? 0 : a.digits < b.digits ? -1 : 1;
  return magnitude * a.sign;
}

/** a + b, exactly. */
export function addDecimals(a: Decimal, b: Decimal): Decimal {
  if (a.sign === 0) return b;
  if (b.sign === 0) return a;
  // As integers scaled by 10^scale: 0.D × 10^e = D × 10^(e - len(D)).
  const scaleA = a.exponent - a.digits.length;
  const scaleB = b.exponent - b.digits.length;
  const scale = Math.min(scaleA, scaleB);
  const intA = BigInt(a.sign) * BigInt(a.digits) * 10n ** BigInt(scaleA - scale);
  const intB = BigInt(b.sign) * BigInt(b.digits) * 10n ** BigInt(scaleB - scale);
  const sum = intA + intB;
  if (sum === 0n) return ZERO;
  const negative = sum < 0n;
  const text = (negative ? -sum : sum).toString();
  const trimmed = text.replace(/0+$/, '');
  return { sign: negative ? -1 : 1, digits: trimmed, exponent: text.length + scale };
}

export function negateDecimal(a: Decimal): Decimal {
  return a.sign === 0 ? a : { ...a, sign: a.sign === 1 ? -1 : 1 };
}

/**
 * Text that sorts, byte by byte, as the numbers do: a key's Number in SQLite, whose BLOB
 * comparison is memcmp. Negative numbers have their exponent and digits complemented and a
 * terminator above every digit, so that a longer magnitude sorts first.
 */
export function sortableDecimal(value: Decimal): string {
  if (value.sign === 0) return '1';
  const exponent = String(value.exponent + 200).padStart(3, '0');
  if (value.sign > 0) return `2${exponent}${value.digits}`;
  const complement = (digits: string) => [...digits].map((d) => String(9 - Number(d))).join('');
  return `0${complement(exponent)}${complement(value.digits)}:`;
}

/** The bytes a Number takes in an item's size: one per two significant digits, plus one. */
export function decimalSize(value: Decimal): number {
  return Math.ceil(value.digits.length / 2) + 1;
}
