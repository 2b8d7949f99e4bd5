import type { ApiModel, MemberRef, Shape, ShapeType } from './model.js';

/**
 * Checks a request's input against its operation's model the way AWS's request layer
 * (Coral) does: first whether every member has the JSON type its shape says (a member of
 * the wrong type fails deserialization, before anything is validated), then every
 * constraint (required, length, range, pattern, enum), all of them collected.
 */

/** One step of a member's path: a structure member, a list index (0-based) or a map key. */
export type PathStep = { readonly member: string } | { readonly index: number } | { readonly key: string };

export type ViolationKind = 'required' | 'length' | 'range' | 'pattern' | 'enum';

export interface Violation {
  readonly kind: ViolationKind;
  readonly path: readonly PathStep[];
  /** AWS's sentence: `Value 'x' at 'entries.1.member.source' failed to satisfy constraint: Member must ...`. */
  readonly message: string;
}

export interface WrongType {
  readonly path: readonly PathStep[];
  /** AWS's deserializer's words: `NUMBER_VALUE can not be converted to a String`, `Start of list found where not expected`. */
  readonly message: string;
}

export interface Findings {
  /** The first member of the wrong JSON type, if any: the request cannot be read. */
  readonly wrongType?: WrongType;
  readonly violations: readonly Violation[];
}

export interface CheckOptions {
  /** Whether the service enforces its model's patterns (default true). */
  readonly patterns?: boolean;
  /** Whether the service enforces its model's enums (default true). */
  readonly enums?: boolean;
  /**
   * Enums the service lists in its refusals in another order than its model's (a Java set's
   * order, as recorded: Lambda's StartingPosition, Step Functions' ExecutionStatus), each as it lists them: one with the same values as a shape's enum is
   * what its refusal quotes.
   */
  readonly enumOrders?: readonly (readonly string[])[];
  /**
   * Whether a refusal names a member from the operation's input (`createRestApiInput.name`),
   * as API Gateway's do, rather than from the request's top (`name`).
   */
  readonly inputNamed?: boolean;
  /** Whether refusals of the body's members come before those of the URI's, query string's and headers' (API Gateway's order). */
  readonly bodyFirst?: boolean;
  /**
   * The patterns the service checks in place of its model's, by the model's: AWS's service may
   * check a newer pattern than its published model has (as its recorded refusals quote it),
   * which is then both checked and quoted.
   */
  readonly servicePatterns?: Readonly<Record<string, string>>;
  /**
   * The constraints the service checks on shapes its published model leaves bare, by shape
   * name (Lambda's SubnetId and SecurityGroupId: lengths and a pattern), as its recorded
   * refusals quote them: merged into the model's shape.
   */
  readonly serviceShapes?: Readonly<Record<string, Pick<Shape, 'min' | 'max' | 'pattern'>>>;
  /**
   * Whether a list of scalars whose items fail is refused quoting every constraint of its
   * member (its maximum and minimum length, its pattern, as Lambda's recorded refusals do),
   * not only the ones an item fails. Default false.
   */
  readonly wholeMemberConstraints?: boolean;
  /**
   * Whether an empty string is also checked against its pattern (default false: EventBridge
   * and Step Functions report only its length; CloudWatch Logs reports both).
   */
  readonly emptyValuePatterns?: boolean;
  /**
   * Query-protocol input: every form value is text, so a number or boolean member given as
   * text is left to the service, which words its own answer for a value it cannot read.
   */
  readonly textScalars?: boolean;
  /**
   * Whether a structure in a message shows as its Java class's `toString()` does
   * (`RoutingConfigurationListItem(stateMachineVersionArn=..., weight=50)`: Step Functions'
   * recorded answers) rather than as a map (`{Source=a}`). Default false.
   */
  readonly namedStructures?: boolean;
}

/** The findings for an operation's input; an operation the model does not know has none. */
export function checkInput(model: ApiModel, operation: string, input: unknown, options: CheckOptions = {}): Findings {
  const shape = model.operations[operation]?.input;
  if (shape === undefined) return { violations: [] };
  // A member sent in the URI, query string or a header is named as it is, without the input's name.
  const located = new Set(Object.entries(model.shapes[shape]?.members ?? {}).flatMap(([name, ref]) => (ref.location ? [name] : [])));
  const isLocated = (path: readonly PathStep[]) => {
    const first = path[0];
    return first !== undefined && 'member' in first && located.has(first.member);
  };
  const walk = new Walk(model, options, (path) => (options.inputNamed && !isLocated(path) ? `${lowerFirst(operation)}Input.` : ''));
  // A JSON `null` body is read as an empty request, as AWS reads it.
  walk.value(shape, input ?? {}, []);
  const violations = options.bodyFirst
    ? [...walk.violations].sort((a, b) => Number(isLocated(a.path)) - Number(isLocated(b.path)))
    : walk.violations;
  return { wrongType: walk.wrongType, violations };
}

/** `entries.1.member.detailType`: member names with a lower-case first letter, lists and maps by `<n>.member`. */
export function awsPath(path: readonly PathStep[]): string {
  return path
    .map((step) => ('member' in step ? lowerFirst(step.member) : 'index' in step ? `${step.index + 1}.member` : `${step.key}.member`))
    .join('.');
}

/** `Entries.1.Id`: the parameter names the query protocol uses. */
export function parameterPath(path: readonly PathStep[]): string {
  return path.map((step) => ('member' in step ? step.member : 'index' in step ? String(step.index + 1) : step.key)).join('.');
}

const lowerFirst = (name: string) => name.charAt(0).toLowerCase() + name.slice(1);

const TYPE_NAMES: Record<ShapeType, string> = {
  structure: 'a Structure',
  list: 'a List',
  map: 'a Map',
  string: 'a String',
  integer: 'an Integer',
  long: 'a Long',
  float: 'a Float',
  double: 'a Double',
  boolean: 'a Boolean',
  timestamp: 'a Date',
  blob: 'a ByteBuffer',
};

/** How AWS's JSON deserializer reports a value of the wrong type for a member of `type`. */
function wrongTypeMessage(value: unknown, type: ShapeType): string {
  if (Array.isArray(value)) return 'Start of list found where not expected';
  if (typeof value === 'object' && value !== null) return 'Start of structure or map found where not expected.';
  const token =
    value === true
      ? 'TRUE_VALUE'
      : value === false
        ? 'FALSE_VALUE'
        : typeof value === 'number'
          ? Number.isInteger(value)
            ? 'NUMBER_VALUE'
            : 'DECIMAL_VALUE'
          : 'STRING_VALUE';
  return `${token} can not be converted to ${TYPE_NAMES[type]}`;
}

function hasType(value: unknown, type: ShapeType): boolean {
  switch (type) {
    case 'structure':
    case 'map':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'list':
      return Array.isArray(value);
    case 'string':
      return typeof value === 'string';
    case 'blob':
      // Base64 text in a JSON body; a REST payload's bytes as sent (Lambda's Invoke, Bedrock's InvokeModel).
      return typeof value === 'string' || value instanceof Uint8Array;
    case 'integer':
      return Number.isInteger(value) && (value as number) >= -(2 ** 31) && (value as number) < 2 ** 31;
    case 'long':
      return Number.isSafeInteger(value);
    case 'float':
    case 'double':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'timestamp':
      return (typeof value === 'number' && Number.isFinite(value)) || typeof value === 'string';
  }
}

const patterns = new Map<string, RegExp | undefined>();

/** A model pattern as a whole-value JavaScript regex (Java's `matches()`); undefined if it has no JavaScript equivalent. */
function compiledPattern(pattern: string): RegExp | undefined {
  if (!patterns.has(pattern)) {
    let regex: RegExp | undefined;
    try {
      regex = new RegExp(`^(?:${pattern})$`, pattern.includes('\\p{') ? 'u' : '');
    } catch {
      regex = undefined;
    }
    patterns.set(pattern, regex);
  }
  return patterns.get(pattern);
}

/** A value's shape, by name, where structures show their class's name (`namedStructures`). */
interface Typed {
  readonly name: string;
  readonly shapes: Readonly<Record<string, Shape>>;
}

/**
 * How AWS shows a value in a message: Java's `toString()` of lists (`[a, b]`) and maps
 * (`{k=v}`), and of structures when `typed` says what they are (`Name(k=v)`, in the model's
 * member order).
 */
function showValue(value: unknown, depth = 0, typed?: Typed): string {
  if (depth > 8) return '...';
  const shape = typed ? typed.shapes[typed.name] : undefined;
  const inner = (name: string | undefined) => (typed && name !== undefined ? { name, shapes: typed.shapes } : undefined);
  if (Array.isArray(value)) return `[${value.map((item) => showValue(item, depth + 1, inner(shape?.member?.shape))).join(', ')}]`;
  if (typeof value === 'object' && value !== null) {
    if (typed && shape?.type === 'structure') {
      const present = Object.entries(shape.members ?? {}).filter(([member]) => Object.hasOwn(value, member));
      const fields = present.map(
        ([member, ref]) => `${member}=${showValue((value as Record<string, unknown>)[member], depth + 1, inner(ref.shape))}`,
      );
      return `${typed.name}(${fields.join(', ')})`;
    }
    return `{${Object.entries(value)
      .map(([key, item]) => `${key}=${showValue(item, depth + 1, inner(shape?.value?.shape))}`)
      .join(', ')}}`;
  }
  return String(value);
}

/** Collects at most this many violations; AWS's messages list a few, and a huge request must not make a huge answer. */
const MAX_VIOLATIONS = 50;

class Walk {
  wrongType?: WrongType;
  readonly violations: Violation[] = [];

  constructor(
    private readonly model: ApiModel,
    private readonly options: CheckOptions,
    /** What a member's path in a refusal starts with. */
    private readonly root: (path: readonly PathStep[]) => string,
  ) {}

  #at(path: readonly PathStep[]): string {
    return `${this.root(path)}${awsPath(path)}`;
  }

  value(shapeName: string, value: unknown, path: readonly PathStep[]): void {
    const shape = this.#shape(shapeName);
    // A document (Smithy's `document`: any JSON, a Retrieve filter's value) has no type to check.
    if (shape.document) return;
    if (!this.#hasType(value, shape.type)) {
      this.wrongType ??= { path, message: wrongTypeMessage(value, shape.type) };
      return;
    }
    if (shape.type === 'structure') this.#structure(shape, value as Record<string, unknown>, path);
    else if (shape.type === 'list') this.#list(shape, value as unknown[], path);
    else if (shape.type === 'map') this.#map(shape, value as Record<string, unknown>, path);
    else this.#scalar(shape, value, path);
  }

  #scalar(shape: Shape, value: unknown, path: readonly PathStep[]): void {
    for (const [kind, constraint] of this.#scalarConstraints(shape, value)) {
      this.#violate(kind, path, `${this.#shown(shape, value)} at '${this.#at(path)}' failed to satisfy constraint: ${constraint}`);
    }
  }

  #hasType(value: unknown, type: ShapeType): boolean {
    return (
      hasType(value, type) ||
      (this.options.textScalars === true && typeof value === 'string' && type !== 'structure' && type !== 'list' && type !== 'map')
    );
  }

  /** `shown` of a value of `shape`, its structures named when the service names them. */
  #shown(shape: Shape, value: unknown): string {
    if (!this.options.namedStructures) return shown(shape, value);
    const name = Object.entries(this.model.shapes).find(([, candidate]) => candidate === shape)?.[0];
    return shown(shape, value, name === undefined ? undefined : { name, shapes: this.model.shapes });
  }

  #shape(name: string): Shape {
    const shape = this.model.shapes[name];
    if (shape === undefined) throw new Error(`shape ${name} is missing from the model`);
    const added = this.options.serviceShapes?.[name];
    return added === undefined ? shape : { ...shape, ...added };
  }

  #violate(kind: ViolationKind, path: readonly PathStep[], message: string): void {
    if (this.violations.length < MAX_VIOLATIONS) this.violations.push({ kind, path, message });
  }

  #structure(shape: Shape, value: Record<string, unknown>, path: readonly PathStep[]): void {
    for (const [member, ref] of membersOf(shape)) {
      const item = Object.hasOwn(value, member) ? value[member] : undefined;
      // A member's path is made only for what uses it: most of a model's members are absent from a request.
      if (item === undefined || item === null) {
        if (shape.required?.includes(member)) this.#notNull([...path, { member }]);
        continue;
      }
      this.value(ref.shape, item, [...path, { member }]);
    }
  }

  #notNull(path: readonly PathStep[]): void {
    this.#violate('required', path, `Value null at '${this.#at(path)}' failed to satisfy constraint: Member must not be null`);
  }

  #list(shape: Shape, value: unknown[], path: readonly PathStep[]): void {
    this.#size(shape, value, value.length, path);
    const memberName = shape.member?.shape as string;
    const member = this.#shape(memberName);
    if (isScalar(member)) {
      const constraints = new Set<string>();
      for (const item of value) {
        if (item === null || item === undefined) constraints.add('Member must not be null');
        else if (!this.#hasType(item, member.type)) this.wrongType ??= { path, message: wrongTypeMessage(item, member.type) };
        else for (const [, constraint] of this.#scalarConstraints(member, item)) constraints.add(constraint);
      }
      if (constraints.size > 0) {
        const quoted = this.options.wholeMemberConstraints ? memberConstraints(member, this.options, constraints) : [...constraints];
        this.#violate(
          'length',
          path,
          `${this.#shown(shape, value)} at '${this.#at(path)}' failed to satisfy constraint: Member must satisfy constraint: [${quoted.join(', ')}]`,
        );
      }
      return;
    }
    value.forEach((item, index) => {
      const itemPath = [...path, { index }];
      if (item === null || item === undefined) this.#notNull(itemPath);
      else this.value(memberName, item, itemPath);
    });
  }

  #map(shape: Shape, value: Record<string, unknown>, path: readonly PathStep[]): void {
    const entries = Object.entries(value);
    this.#size(shape, value, entries.length, path);
    const keyShape = this.#shape(shape.key?.shape as string);
    const valueName = shape.value?.shape as string;
    const valueShape = this.#shape(valueName);
    const keyConstraints = new Set<string>();
    const valueConstraints = new Set<string>();
    for (const [key, item] of entries) {
      for (const [, constraint] of this.#scalarConstraints(keyShape, key)) keyConstraints.add(constraint);
      if (item === null || item === undefined) valueConstraints.add('Member must not be null');
      else if (!isScalar(valueShape)) this.value(valueName, item, [...path, { key }]);
      else if (!this.#hasType(item, valueShape.type)) this.wrongType ??= { path, message: wrongTypeMessage(item, valueShape.type) };
      else for (const [, constraint] of this.#scalarConstraints(valueShape, item)) valueConstraints.add(constraint);
    }
    // Written only for a violation: showing a value walks all of it.
    const where = () => `${this.#shown(shape, value)} at '${this.#at(path)}' failed to satisfy constraint:`;
    if (keyConstraints.size > 0)
      this.#violate('pattern', path, `${where()} Map keys must satisfy constraint: [${[...keyConstraints].join(', ')}]`);
    if (valueConstraints.size > 0)
      this.#violate('length', path, `${where()} Map value must satisfy constraint: [${[...valueConstraints].join(', ')}]`);
  }

  /** An enum's values in the order the service lists them (CheckOptions.enumOrders), else the model's. */
  #listed(values: readonly string[]): readonly string[] {
    const same = (order: readonly string[]) => order.length === values.length && order.every((v) => values.includes(v));
    return this.options.enumOrders?.find(same) ?? values;
  }

  /** A list's or map's number of entries against its length constraints. */
  #size(shape: Shape, value: unknown, size: number, path: readonly PathStep[]): void {
    const where = () => `${this.#shown(shape, value)} at '${this.#at(path)}' failed to satisfy constraint:`;
    if (shape.min !== undefined && size < shape.min)
      this.#violate('length', path, `${where()} Member must have length greater than or equal to ${shape.min}`);
    if (shape.max !== undefined && size > shape.max)
      this.#violate('length', path, `${where()} Member must have length less than or equal to ${shape.max}`);
  }

  /** The constraints a scalar of the right type fails, each as AWS words it. */
  #scalarConstraints(shape: Shape, value: unknown): [ViolationKind, string][] {
    const failed: [ViolationKind, string][] = [];
    if (typeof value === 'string' && shape.type === 'string') {
      if (shape.min !== undefined && value.length < shape.min)
        failed.push(['length', `Member must have length greater than or equal to ${shape.min}`]);
      if (shape.max !== undefined && value.length > shape.max)
        failed.push(['length', `Member must have length less than or equal to ${shape.max}`]);
      const pattern = shape.pattern === undefined ? undefined : (this.options.servicePatterns?.[shape.pattern] ?? shape.pattern);
      const regex = pattern === undefined || this.options.patterns === false ? undefined : compiledPattern(pattern);
      // An empty value fails only its length, as EventBridge and Step Functions answer, unless the service says otherwise.
      if (regex && (value.length > 0 || this.options.emptyValuePatterns === true) && !regex.test(value))
        failed.push(['pattern', `Member must satisfy regular expression pattern: ${pattern}`]);
      if (shape.enum && this.options.enums !== false && !shape.enum.includes(value))
        failed.push(['enum', `Member must satisfy enum value set: [${this.#listed(shape.enum).join(', ')}]`]);
    } else if ((typeof value === 'string' || value instanceof Uint8Array) && shape.type === 'blob') {
      const bytes = typeof value === 'string' ? Buffer.byteLength(value, 'base64') : value.byteLength;
      if (shape.min !== undefined && bytes < shape.min)
        failed.push(['length', `Member must have length greater than or equal to ${shape.min}`]);
      if (shape.max !== undefined && bytes > shape.max)
        failed.push(['length', `Member must have length less than or equal to ${shape.max}`]);
    } else if (typeof value === 'number') {
      if (shape.min !== undefined && value < shape.min)
        failed.push(['range', `Member must have value greater than or equal to ${shape.min}`]);
      if (shape.max !== undefined && value > shape.max) failed.push(['range', `Member must have value less than or equal to ${shape.max}`]);
    }
    return failed;
  }
}

/** Each structure shape's members as entries, made once (every request of an operation walks the same shapes). */
const memberEntries = new WeakMap<Shape, readonly [string, MemberRef][]>();

function membersOf(shape: Shape): readonly [string, MemberRef][] {
  let entries = memberEntries.get(shape);
  if (entries === undefined) {
    entries = Object.entries(shape.members ?? {});
    memberEntries.set(shape, entries);
  }
  return entries;
}

/** Every constraint of a list's scalar member, as a service quoting them all words them: lengths, pattern, then the nulls found. */
function memberConstraints(member: Shape, options: CheckOptions, found: ReadonlySet<string>): string[] {
  const pattern = member.pattern === undefined ? undefined : (options.servicePatterns?.[member.pattern] ?? member.pattern);
  return [
    ...(member.max !== undefined ? [`Member must have length less than or equal to ${member.max}`] : []),
    ...(member.min !== undefined ? [`Member must have length greater than or equal to ${member.min}`] : []),
    ...(pattern !== undefined ? [`Member must satisfy regular expression pattern: ${pattern}`] : []),
    ...[...found].filter((constraint) => !/^Member must (have length|satisfy regular expression)/.test(constraint)),
  ];
}

function isScalar(shape: Shape): boolean {
  return shape.type !== 'structure' && shape.type !== 'list' && shape.type !== 'map';
}

/**
 * `Value 'x'`, or just `Value` for a member the model marks sensitive (AWS does not echo
 * secrets); a float's whole number as Java writes it (`99.0`: Bedrock's `temperature`).
 */
function shown(shape: Shape, value: unknown, typed?: Typed): string {
  if (shape.sensitive) return 'Value';
  const float = (shape.type === 'float' || shape.type === 'double') && Number.isInteger(value);
  return `Value '${float ? `${value}.0` : showValue(value, 0, typed)}'`;
}
