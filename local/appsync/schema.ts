import { buildSchema, GraphQLError, type GraphQLScalarType, type GraphQLSchema, Kind, type ValueNode } from 'graphql';

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

/** The API's schema as graphql-js builds it, with AppSync's scalars and directives declared. */
export function appSyncSchema(definition: string): GraphQLSchema {
  const declared = (pattern: RegExp) => pattern.test(definition);
  const prelude = [
    ...APPSYNC_SCALARS.filter((name) => !declared(new RegExp(`\\bscalar\\s+${name}\\b`))).map((name) => `scalar ${name}`),
    ...Object.entries(APPSYNC_DIRECTIVES)
      .filter(([name]) => !declared(new RegExp(`directive\\s+@${name}\\b`)))
      .map(([, text]) => text),
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
