/**
 * The strings of a policy that match what a request names: wildcards (`*` any run, `?` one
 * character), policy variables (`${aws:username}`, `${aws:PrincipalTag/team, 'default'}`,
 * `${*}`, `${?}` and `${$}` for the characters themselves), and ARNs matched segment by
 * segment (IAM user guide, "IAM JSON policy elements: Resource", "Variables and tags",
 * and the ARN condition operators).
 */

/** The request's condition keys, lower-cased, each with its values (one for a single-valued key). */
export type RequestContext = ReadonlyMap<string, readonly string[]>;

/** A piece of a policy string: text, a wildcard, or a variable to fill from the request. */
type Piece = string | { readonly wildcard: '*' | '?' } | { readonly variable: string; readonly fallback?: string };

/** A policy string read into pieces; `variables` says whether any piece needs the request. */
export interface PolicyString {
  readonly text: string;
  readonly pieces: readonly Piece[];
  readonly variables: boolean;
}

const STAR = { wildcard: '*' } as const;
const QUESTION = { wildcard: '?' } as const;
/** `${key}` or `${key, 'default'}`: the key up to a comma, then a quoted default. */
const VARIABLE = /^\s*([^,'}]+?)\s*(?:,\s*'([^']*)'\s*)?$/;

const parsed = new Map<string, PolicyString>();

/**
 * Reads a policy string. Variables are read only where the policy's Version has them
 * (2012-10-17; the older grammar treats `${...}` as text), and `wildcards` says whether
 * `*` and `?` are wildcards there (StringLike, ArnLike, Resource) or text (StringEquals).
 */
export function policyString(text: string, variables: boolean, wildcards: boolean): PolicyString {
  const key = `${variables ? 'v' : '-'}${wildcards ? 'w' : '-'}${text}`;
  let found = parsed.get(key);
  if (!found) {
    found = read(text, variables, wildcards);
    // Policies are few and their strings fixed: the cache stays small. A bound keeps run-time policies from growing it forever.
    if (parsed.size > 50_000) parsed.clear();
    parsed.set(key, found);
  }
  return found;
}

function read(text: string, variables: boolean, wildcards: boolean): PolicyString {
  const pieces: Piece[] = [];
  let literal = '';
  let hasVariables = false;
  const flush = () => {
    if (literal) pieces.push(literal);
    literal = '';
  };
  for (let i = 0; i < text.length; i++) {
    const char = text[i] as string;
    if (variables && char === '$' && text[i + 1] === '{') {
      const end = text.indexOf('}', i + 2);
      if (end !== -1) {
        const inner = text.slice(i + 2, end);
        i = end;
        // The characters a policy cannot otherwise write as themselves.
        if (inner === '*' || inner === '?' || inner === '$') {
          literal += inner;
          continue;
        }
        const match = VARIABLE.exec(inner);
        flush();
        hasVariables = true;
        // Something that is no variable's form resolves to nothing: it matches no value.
        pieces.push(
          match
            ? { variable: (match[1] as string).toLowerCase(), ...(match[2] === undefined ? {} : { fallback: match[2] }) }
            : { variable: '' },
        );
        continue;
      }
    }
    if (wildcards && (char === '*' || char === '?')) {
      flush();
      pieces.push(char === '*' ? STAR : QUESTION);
    } else literal += char;
  }
  flush();
  return { text, pieces, variables: hasVariables };
}

/**
 * The value a variable takes: a single-valued key's value, else its default, else undefined
 * (a multivalued key is no variable; an empty value is a null one, "Policy variables with no value").
 */
function variableValue(piece: { readonly variable: string; readonly fallback?: string }, context: RequestContext): string | undefined {
  const values = context.get(piece.variable);
  if (values && values.length === 1 && values[0] !== '') return values[0];
  return piece.fallback;
}

/** The string with its variables filled in, or undefined when one has no value (it then matches nothing). */
export function resolved(policy: PolicyString, context: RequestContext): PolicyString | undefined {
  if (!policy.variables) return policy;
  const pieces: Piece[] = [];
  for (const piece of policy.pieces) {
    if (typeof piece === 'object' && 'variable' in piece) {
      const value = variableValue(piece, context);
      if (value === undefined) return undefined;
      // A variable's value is text, even where it holds a `*`.
      pieces.push(value);
    } else pieces.push(piece);
  }
  return { text: policy.text, pieces, variables: false };
}

const compiled = new WeakMap<PolicyString, Map<string, RegExp>>();

/** The pieces (no variables left) as a regular expression over the whole value. */
function regexOf(policy: PolicyString, ignoreCase: boolean): RegExp {
  const flags = ignoreCase ? 'is' : 's';
  let byFlags = compiled.get(policy);
  if (!byFlags) {
    byFlags = new Map();
    compiled.set(policy, byFlags);
  }
  let regex = byFlags.get(flags);
  if (!regex) {
    const source = policy.pieces
      .map((piece) => {
        if (typeof piece === 'string') return piece.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
        if ('wildcard' in piece) return piece.wildcard === '*' ? '.*' : '.';
        return '(?!)';
      })
      .join('');
    regex = new RegExp(`^${source}$`, flags);
    byFlags.set(flags, regex);
  }
  return regex;
}

/** Whether a value is what the policy string says (its wildcards as wildcards when read so). */
export function matches(policy: PolicyString, value: string, context: RequestContext, ignoreCase = false): boolean {
  const filled = resolved(policy, context);
  if (!filled) return false;
  if (filled.pieces.length === 1 && typeof filled.pieces[0] === 'string') {
    const text = filled.pieces[0];
    return ignoreCase ? text.toLowerCase() === value.toLowerCase() : text === value;
  }
  if (filled.pieces.length === 0) return value === '';
  return regexOf(filled, ignoreCase).test(value);
}

/** An ARN's six colon-separated segments, the last holding any further colons; undefined when it has fewer. */
function arnSegments(value: string): string[] | undefined {
  const segments: string[] = [];
  let from = 0;
  for (let i = 0; i < 5; i++) {
    const colon = value.indexOf(':', from);
    if (colon === -1) return undefined;
    segments.push(value.slice(from, colon));
    from = colon + 1;
  }
  segments.push(value.slice(from));
  return segments;
}

const arnPatterns = new Map<string, readonly PolicyString[] | null>();

/**
 * Whether an ARN is what an ARN pattern says, each of its six segments on its own, so a
 * wildcard never reaches across a colon into the next segment (ArnLike, Resource). A
 * pattern or value that is no ARN (`*`) is matched as a whole.
 */
export function arnMatches(pattern: string, value: string, context: RequestContext, variables: boolean): boolean {
  if (pattern === '*') return true;
  const key = `${variables ? 'v' : '-'}${pattern}`;
  let segments = arnPatterns.get(key);
  if (segments === undefined) {
    const split = arnSegments(pattern);
    segments = split ? split.map((segment) => policyString(segment, variables, true)) : null;
    if (arnPatterns.size > 50_000) arnPatterns.clear();
    arnPatterns.set(key, segments);
  }
  const valueSegments = segments ? arnSegments(value) : undefined;
  if (!segments || !valueSegments) return matches(policyString(pattern, variables, true), value, context);
  for (let i = 0; i < 6; i++) {
    if (!matches(segments[i] as PolicyString, valueSegments[i] as string, context)) return false;
  }
  return true;
}
