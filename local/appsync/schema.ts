import { buildSchema, GraphQLError, type GraphQLScalarType, type GraphQLSchema, Kind, parse, type ValueNode, visit } from 'graphql';

/**
 * What AppSync declares for every schema: its scalars and its `@aws_*` directives
 * (https://docs.aws.amazon.com/appsync/latest/devguide/scalars.html,
 * https://docs.aws.amazon.com/appsync/latest/devguide/security-authz.html).
 * A schema that declares one of them itself keeps its own.
 */
const APPSYNC_SCALARS = ['AWSDateTime', 'AWSDate', 'AWSTime', 'AWSTimestamp', 'AWSEmail', 'AWSJSON', 'AWSURL', 'AWSPhone', 'AWSIPAddress'];
/**
 * Where the auth directives may stand. AppSync takes them on any type-system definition (schemas
 * put `@aws_cognito_user_pools` on input types and enums, and deploy); only an object type's or a
 * field's grant access (field-auth.ts), so elsewhere they are accepted and mean nothing.
 */
const AUTH_LOCATIONS =
  'FIELD_DEFINITION | OBJECT | INTERFACE | UNION | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION | SCALAR | ARGUMENT_DEFINITION';
const APPSYNC_DIRECTIVES: Readonly<Record<string, string>> = {
  aws_subscribe: 'directive @aws_subscribe(mutations: [String]) on FIELD_DEFINITION',
  aws_auth: `directive @aws_auth(cognito_groups: [String]) on ${AUTH_LOCATIONS}`,
  aws_api_key: `directive @aws_api_key on ${AUTH_LOCATIONS}`,
  aws_iam: `directive @aws_iam on ${AUTH_LOCATIONS}`,
  aws_oidc: `directive @aws_oidc on ${AUTH_LOCATIONS}`,
  aws_lambda: `directive @aws_lambda on ${AUTH_LOCATIONS}`,
  aws_cognito_user_pools: `directive @aws_cognito_user_pools(cognito_groups: [String]) on ${AUTH_LOCATIONS}`,
  aws_publish: 'directive @aws_publish(subscriptions: [String]) on FIELD_DEFINITION',
};

/** A schema that does not build: the API's requests are refused with this message. */
export class AppSyncSchemaError extends Error {
  override readonly name = 'AppSyncSchemaError';
}

/** Checks of the scalars AppSync validates (its documented formats, loosely: a local runtime should not refuse what AppSync takes). */
const FORMATS: Readonly<Record<string, RegExp>> = {
  AWSDate: /^\d{4}-\d{2}-\d{2}(Z|[+-]\d{2}:\d{2}(:\d{2})?)?$/,
  AWSTime: /^\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}(:\d{2})?)?$/,
  AWSDateTime: /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}(:\d{2})?)$/,
  AWSEmail: /^[^@\s]+@[^@\s]+$/,
  AWSPhone: /^\+?[\d\s().-]{3,}$/,
  AWSIPAddress: /^([\d.]+(\/\d+)?|[0-9a-fA-F:]+(\/\d+)?)$/,
};

/** Directives graphql-js knows itself. */
const BUILT_IN_DIRECTIVES = new Set(['deprecated', 'specifiedBy', 'oneOf', 'include', 'skip']);
/** Every place a directive may stand in a schema: an undeclared one used anywhere is declared there. */
const ALL_LOCATIONS = `SCHEMA | ${AUTH_LOCATIONS}`;
/** The type the arguments of an undeclared directive take: any literal. */
const ANY_VALUE = '_SwitchyardUndeclaredDirectiveValue';

/**
 * The API's schema as graphql-js builds it, with AppSync's scalars and directives declared. A
 * directive neither AppSync nor the schema declares (a typo such as `@aws_apikey`) is declared
 * as one that does nothing, and `unknown` is told its name and the AppSync directive it likely
 * meant: a public sample deploys with one, so it is not a reason to refuse every request.
 */
export function appSyncSchema(source: string, unknown: (message: string) => void = () => {}): GraphQLSchema {
  const { definition, lines } = withoutSemicolons(source);
  if (lines.length > 0) {
    unknown(
      `\`;\` (line ${lines.join(', ')}) is not GraphQL: AppSync's parser skips it, and so does this runtime (other GraphQL tools refuse it)`,
    );
  }
  const declared = (pattern: RegExp) => pattern.test(definition);
  const undeclared = undeclaredDirectives(definition);
  for (const [name] of undeclared) {
    const meant = Object.keys(APPSYNC_DIRECTIVES).find((known) => known.replaceAll('_', '') === name.replaceAll('_', ''));
    unknown(`@${name} is not one of AppSync's directives${meant ? ` (@${meant}?)` : ''}: it does nothing here`);
  }
  const prelude = [
    ...APPSYNC_SCALARS.filter((name) => !declared(new RegExp(`\\bscalar\\s+${name}\\b`))).map((name) => `scalar ${name}`),
    ...Object.entries(APPSYNC_DIRECTIVES)
      .filter(([name]) => !declared(new RegExp(`directive\\s+@${name}\\b`)))
      .map(([, text]) => text),
    ...(undeclared.size > 0 ? [`scalar ${ANY_VALUE}`] : []),
    ...[...undeclared].map(([name, args]) => {
      const list = args.size > 0 ? `(${[...args].map((arg) => `${arg}: ${ANY_VALUE}`).join(', ')})` : '';
      return `directive @${name}${list} repeatable on ${ALL_LOCATIONS}`;
    }),
  ];
  let schema: GraphQLSchema;
  try {
    schema = buildSchema(`${prelude.join('\n')}\n${definition}`);
  } catch (error) {
    throw new AppSyncSchemaError(`the schema does not build: ${(error as Error).message}`, { cause: error });
  }
  for (const name of APPSYNC_SCALARS) {
    const type = schema.getType(name) as GraphQLScalarType | undefined;
    if (type) Object.assign(type, scalarBehaviour(name));
  }
  return schema;
}

/**
 * The schema with each `;` outside a string or comment made a space, and the lines that held one.
 * GraphQL has no `;` (graphql-js stops at it), but AppSync's parser skips it: the public sample
 * serverless-patterns/appsync-subscription-filter-cdk ends its fields with `;` and deploys.
 * A space keeps every other error's line and column where the author wrote them.
 */
function withoutSemicolons(source: string): { definition: string; lines: number[] } {
  const lines = new Set<number>();
  const chars = [...source];
  let line = 1;
  for (let at = 0; at < chars.length; at++) {
    const char = chars[at];
    if (char === '\n') line++;
    else if (char === '#') {
      while (at + 1 < chars.length && chars[at + 1] !== '\n') at++;
    } else if (char === '"') {
      at = tripleQuote(chars, at) ? skipBlockString(chars, at + 3, () => line++) : skipString(chars, at + 1);
    } else if (char === ';') {
      chars[at] = ' ';
      lines.add(line);
    }
  }
  return { definition: chars.join(''), lines: [...lines] };
}

/** Where a block string opened before `from` ends (its closing quote's index), counting its lines. */
function skipBlockString(chars: string[], from: number, newline: () => void): number {
  for (let at = from; at < chars.length; at++) {
    if (chars[at] === '\\' && tripleQuote(chars, at + 1)) at += 3;
    else if (tripleQuote(chars, at)) return at + 2;
    else if (chars[at] === '\n') newline();
  }
  return chars.length;
}

const tripleQuote = (chars: readonly string[], at: number) => chars[at] === '"' && chars[at + 1] === '"' && chars[at + 2] === '"';

/** Where a string opened before `from` ends (its closing quote's index); a string does not span lines. */
function skipString(chars: string[], from: number): number {
  for (let at = from; at < chars.length; at++) {
    if (chars[at] === '\\') at++;
    else if (chars[at] === '"' || chars[at] === '\n') return chars[at] === '\n' ? at - 1 : at;
  }
  return chars.length;
}

/** The directives a schema uses that neither AppSync, graphql-js nor the schema declares, each with the arguments it is given. */
function undeclaredDirectives(definition: string): Map<string, Set<string>> {
  const found = new Map<string, Set<string>>();
  let document: ReturnType<typeof parse>;
  try {
    document = parse(definition);
  } catch {
    // Not SDL at all: buildSchema says why.
    return found;
  }
  const defined = new Set<string>();
  visit(document, {
    DirectiveDefinition: (node) => {
      defined.add(node.name.value);
    },
    Directive: (node) => {
      const name = node.name.value;
      if (BUILT_IN_DIRECTIVES.has(name) || Object.hasOwn(APPSYNC_DIRECTIVES, name)) return;
      const args = found.get(name) ?? new Set<string>();
      for (const arg of node.arguments ?? []) args.add(arg.name.value);
      found.set(name, args);
    },
  });
  for (const name of defined) found.delete(name);
  return found;
}

/** How an AppSync scalar reads input and writes output: AWSJSON as JSON text, AWSTimestamp as an integer, the others as checked strings. */
function scalarBehaviour(name: string): Pick<GraphQLScalarType, 'serialize' | 'parseValue' | 'parseLiteral'> {
  const invalid = (value: unknown) => new GraphQLError(`Invalid ${name} value ${JSON.stringify(value)}`);
  if (name === 'AWSJSON') {
    const parse = (value: unknown) => {
      if (typeof value !== 'string') return value;
      try {
        return JSON.parse(value);
      } catch {
        throw invalid(value);
      }
    };
    return {
      serialize: (value) => (typeof value === 'string' ? value : JSON.stringify(value)),
      parseValue: parse,
      parseLiteral: (node: ValueNode) => (node.kind === Kind.STRING ? parse(node.value) : undefined),
    };
  }
  if (name === 'AWSTimestamp') {
    const check = (value: unknown) => {
      if (typeof value === 'number' && Number.isInteger(value)) return value;
      throw invalid(value);
    };
    return { serialize: check, parseValue: check, parseLiteral: (node) => (node.kind === Kind.INT ? Number(node.value) : undefined) };
  }
  const format = FORMATS[name];
  const check = (value: unknown) => {
    if (typeof value !== 'string') throw invalid(value);
    if (name === 'AWSURL' && !URL.canParse(value)) throw invalid(value);
    if (format && !format.test(value)) throw invalid(value);
    return value;
  };
  return { serialize: check, parseValue: check, parseLiteral: (node) => (node.kind === Kind.STRING ? check(node.value) : undefined) };
}
