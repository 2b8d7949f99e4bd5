// Loaded by the module's report only for an app with a GraphQL API: graphql is loaded at an app's first API, never at every start.
import {
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLOutputType,
  type GraphQLSchema,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
} from 'graphql';
import { shellQuote } from '../service-registry/report-lines.js';
import type { ServiceReport } from '../service-registry/service-module.js';
import type { GraphqlApiDefinition } from './definitions.js';
import { appSyncSchema } from './schema.js';

/**
 * A curl of the first API whose default auth is an API key (the key in `x-api-key`, as AppSync
 * takes it), running its first query resolver (else its first mutation's) with example values for
 * the field's required arguments: suggested when nothing ranks before it (functions 4, which leave
 * out the Lambda data sources: a Direct Lambda resolver's event is the resolver's context, not `{}`).
 */
export function graphqlTryIt(apis: readonly GraphqlApiDefinition[]): Pick<ServiceReport, 'tryIt'> {
  for (const api of apis) {
    const key = api.apiKeys[0]?.id;
    if (api.auth[0]?.type !== 'API_KEY' || key === undefined) continue;
    let schema: GraphQLSchema;
    try {
      schema = appSyncSchema(api.schema);
    } catch {
      // A schema that does not build is reported by the API itself (every request is refused with why): there is nothing to try.
      continue;
    }
    const operation = exampleOperation(schema, api);
    if (operation === undefined) continue;
    const body = JSON.stringify({ query: operation });
    return {
      tryIt: {
        rank: 4.5,
        shell: `curl -s ${api.url} -H 'x-api-key: ${key}' -H 'Content-Type: application/json' -d ${shellQuote(body)}`,
      },
    };
  }
  return {};
}

/**
 * `query { field(arg: ...) { ... } }` for the API's first resolved query field, else its first
 * mutation's; one without required arguments first (an example id is likely to find nothing).
 */
function exampleOperation(schema: GraphQLSchema, api: GraphqlApiDefinition): string | undefined {
  for (const [kind, root] of [
    ['query', schema.getQueryType()],
    ['mutation', schema.getMutationType()],
  ] as const) {
    const fields = api.resolvers.flatMap((r) => {
      const field = r.typeName === root?.name ? root.getFields()[r.fieldName] : undefined;
      return field === undefined ? [] : [field];
    });
    const field = fields.find((f) => exampleArguments(f.args) === '') ?? fields[0];
    if (field !== undefined) return `${kind} { ${field.name}${exampleArguments(field.args)}${selection(field.type, 2)} }`;
  }
  return undefined;
}

/** The field's required arguments, each given an example value of its type. */
function exampleArguments(args: readonly GraphQLArgument[]): string {
  const required = args.filter((arg) => isNonNullType(arg.type) && arg.defaultValue === undefined);
  return required.length === 0 ? '' : `(${required.map((arg) => `${arg.name}: ${exampleValue(arg.type)}`).join(', ')})`;
}

function exampleValue(type: GraphQLInputType): string {
  if (isNonNullType(type)) return exampleValue(type.ofType);
  if (isListType(type)) return `[${exampleValue(type.ofType)}]`;
  if (isEnumType(type)) return type.getValues()[0]?.name ?? 'null';
  if (isInputObjectType(type)) {
    const fields = Object.values(type.getFields()).filter((f) => isNonNullType(f.type));
    return `{${fields.map((f) => ` ${f.name}: ${exampleValue(f.type)}`).join(',')} }`;
  }
  const examples: Record<string, string> = {
    Int: '1',
    Float: '1.5',
    Boolean: 'true',
    ID: '"1"',
    AWSJSON: '"{}"',
    AWSEmail: '"someone@example.com"',
  };
  return examples[type.name] ?? '"example"';
}

/** The leaf fields of an object type, and those of its object fields `depth` levels down; empty for a leaf. */
function selection(type: GraphQLOutputType, depth: number): string {
  const named = getNamedType(type);
  if (isLeafType(named) || !isObjectType(named)) return isLeafType(named) ? '' : ' { __typename }';
  const fields = Object.values(named.getFields()).filter((f: GraphQLField<unknown, unknown>) => exampleArguments(f.args) === '');
  const parts = fields.flatMap((f) => {
    if (isLeafType(getNamedType(f.type))) return [f.name];
    return depth > 1 ? [`${f.name}${selection(f.type, depth - 1)}`] : [];
  });
  return ` { ${parts.length > 0 ? parts.join(' ') : '__typename'} }`;
}
