import {
  defaultFieldResolver,
  execute,
  type FieldNode,
  type GraphQLError,
  type GraphQLFieldResolver,
  type GraphQLResolveInfo,
  type GraphQLSchema,
  type GraphQLType,
  getNullableType,
  isListType,
  isObjectType,
  Kind,
  parse,
  print,
  responsePathAsArray,
  type SelectionSetNode,
  validate,
} from 'graphql';
import { AUTH_TYPE_NAMES, type Authorized } from './auth.js';
import type { GraphqlApiDefinition, ResolverDefinition } from './definitions.js';
import { type AppendedError, AppSyncResolverError } from './errors.js';
import { fieldAllowed } from './field-auth.js';
import type { AppSyncJsContext } from './resolvers/appsync-js.js';
import { type ResolverEnvironment, runResolver } from './resolvers.js';

/** A GraphQL request's body. */
export interface GraphqlRequest {
  readonly query: string;
  readonly variables?: Record<string, unknown>;
  readonly operationName?: string;
}

/** One error of the response, in AppSync's shape. */
export interface AppSyncError {
  readonly path: readonly (string | number)[] | null;
  readonly data: unknown;
  readonly errorType?: string;
  readonly errorInfo: unknown;
  readonly locations: readonly { line: number; column: number; sourceName: null }[] | null;
  readonly message: string;
}

export interface GraphqlResponse {
  readonly data: unknown;
  readonly errors?: readonly AppSyncError[];
}

interface RequestState {
  readonly authorized: Authorized;
  readonly headers: Record<string, string>;
  readonly domainName: string | null;
  readonly variables: Record<string, unknown>;
  readonly appended: AppSyncError[];
}

const locationsOf = (error: GraphQLError) => (error.locations ?? []).map(({ line, column }) => ({ line, column, sourceName: null }));

/**
 * Validation failures as AppSync gives them: no data, each error with its locations and no
 * path. (AppSync's messages are graphql-java's, `Validation error of type FieldUndefined: ...`;
 * these are graphql-js's, which say the same in other words.)
 */
function validationResponse(errors: readonly GraphQLError[]): GraphqlResponse {
  return {
    data: null,
    errors: errors.map((e) => ({
      path: null,
      data: null,
      errorType: 'ValidationError',
      errorInfo: null,
      locations: locationsOf(e),
      message: e.message,
    })),
  };
}

/** graphql-js's words for a null in a non-null field (graphql/execution/execute.js). */
const NULL_IN_NON_NULL = /^Cannot return null for non-nullable field (\w+)\.(\w+)\.$/;

/**
 * A null in a non-null field as AppSync words it (graphql-java's words): the type that was null,
 * its parent and the path, a list item's index in brackets, and no locations, e.g.
 * `Cannot return null for non-nullable type: 'Int' within parent 'Industry' (/listIndustries/items[0]/_version)`.
 * Undefined for any other error.
 */
function nullInNonNull(error: GraphQLError, schema: GraphQLSchema): AppSyncError | undefined {
  const [, parentName = '', fieldName = ''] = NULL_IN_NON_NULL.exec(error.message) ?? [];
  const parent = schema.getType(parentName);
  const field = isObjectType(parent) ? parent.getFields()[fieldName] : undefined;
  if (field === undefined || error.path === undefined) return undefined;
  // The path ends at the field, or at an item of its list (an index per list level).
  let type: GraphQLType = field.type;
  for (let at = error.path.length - 1; at >= 0 && typeof error.path[at] === 'number'; at--) {
    const list: GraphQLType = getNullableType(type);
    if (isListType(list)) type = list.ofType;
  }
  const path = error.path.map((segment) => (typeof segment === 'number' ? `[${segment}]` : `/${segment}`)).join('');
  return {
    path: error.path,
    data: null,
    errorInfo: null,
    locations: null,
    message: `Cannot return null for non-nullable type: '${String(getNullableType(type))}' within parent '${parentName}' (${path})`,
  };
}

/**
 * A field's error: a resolver's error with its type, data and info; a null in a non-null field
 * as AppSync words it; any other as graphql-js words it. Known by its name, not its class: the
 * APPSYNC_JS evaluator (resolvers/appsync-js.ts) throws its own AppSyncResolverError.
 */
function fieldError(error: GraphQLError, schema: GraphQLSchema): AppSyncError {
  const original = error.originalError as (Error & Partial<Pick<AppSyncResolverError, 'errorType' | 'data' | 'errorInfo'>>) | undefined;
  const resolverError = original?.name === 'AppSyncResolverError' ? original : undefined;
  if (resolverError === undefined) {
    const nullError = nullInNonNull(error, schema);
    if (nullError) return nullError;
  }
  return {
    path: error.path ?? null,
    data: resolverError?.data ?? null,
    ...(resolverError?.errorType === undefined ? {} : { errorType: resolverError.errorType }),
    errorInfo: resolverError?.errorInfo ?? null,
    locations: locationsOf(error),
    message: error.message,
  };
}

/** The fields a resolver's selection reads, as `$ctx.info.selectionSetList` lists them (`id`, `author`, `author/name`). */
function selectionList(selection: SelectionSetNode | undefined, info: GraphQLResolveInfo, prefix = ''): string[] {
  if (!selection) return [];
  return selection.selections.flatMap((s) => {
    if (s.kind === Kind.FIELD) {
      const name = `${prefix}${s.alias?.value ?? s.name.value}`;
      return s.name.value === '__typename' ? [] : [name, ...selectionList(s.selectionSet, info, `${name}/`)];
    }
    const set = s.kind === Kind.INLINE_FRAGMENT ? s.selectionSet : info.fragments[s.name.value]?.selectionSet;
    return selectionList(set, info, prefix);
  });
}

/** Executes a request against an API's schema and resolvers, once a mode let it in; answers AppSync's `{data, errors}`. */
export async function executeGraphql(
  api: GraphqlApiDefinition,
  schema: GraphQLSchema,
  request: GraphqlRequest,
  state: Omit<RequestState, 'appended' | 'variables'>,
  env: Omit<ResolverEnvironment, 'authType'> & { readonly publish?: (mutation: string, value: unknown) => void },
): Promise<GraphqlResponse> {
  let document: ReturnType<typeof parse>;
  try {
    document = parse(request.query);
  } catch (error) {
    return validationResponse([error as GraphQLError]);
  }
  const invalid = validate(schema, document);
  if (invalid.length > 0) return validationResponse(invalid);
  const resolvers = new Map<string, ResolverDefinition>(api.resolvers.map((r) => [`${r.typeName}.${r.fieldName}`, r]));
  const requestState: RequestState = { ...state, variables: request.variables ?? {}, appended: [] };
  const defaultMode = api.auth[0]?.type ?? 'API_KEY';
  const resolverEnv: ResolverEnvironment = { services: env.services, now: env.now, authType: AUTH_TYPE_NAMES[state.authorized.mode] };
  const fieldResolver: GraphQLFieldResolver<unknown, RequestState> = async (source, args, context, info) => {
    const field = info.parentType.getFields()[info.fieldName];
    if (field && !fieldAllowed(info.parentType, field, context.authorized, defaultMode, api.arn)) {
      throw new AppSyncResolverError(`Not Authorized to access ${info.fieldName} on type ${info.parentType.name}`, 'Unauthorized');
    }
    const resolver = resolvers.get(`${info.parentType.name}.${info.fieldName}`);
    if (!resolver) return defaultFieldResolver(source, args, context, info);
    const outcome = await runResolver(api, resolver, contextOf(source, args, context, info), resolverEnv);
    // A mutation's result goes to the subscriptions that name it in @aws_subscribe.
    if (info.parentType === info.schema.getMutationType()) env.publish?.(info.fieldName, outcome.value);
    const path = responsePathAsArray(info.path);
    const nodes = info.fieldNodes as readonly FieldNode[];
    const locations = nodes.flatMap((n) =>
      n.loc ? [{ line: n.loc.startToken.line, column: n.loc.startToken.column, sourceName: null }] : [],
    );
    context.appended.push(
      ...outcome.errors.map((e: AppendedError) => ({
        path,
        data: e.data ?? null,
        ...(e.errorType ? { errorType: e.errorType } : {}),
        errorInfo: e.errorInfo ?? null,
        locations,
        message: e.message,
      })),
    );
    return outcome.value;
  };
  const result = await execute({
    schema,
    document,
    variableValues: request.variables ?? null,
    ...(request.operationName ? { operationName: request.operationName } : {}),
    contextValue: requestState,
    fieldResolver,
  });
  const errors = [
    ...(result.errors ?? []).map((e) => (e.path === undefined ? validationResponse([e]).errors?.[0] : fieldError(e, schema))),
    ...requestState.appended,
  ].filter((e): e is AppSyncError => e !== undefined);
  return { data: result.data ?? null, ...(errors.length > 0 ? { errors } : {}) };
}

/** `$ctx` for one field: its arguments, parent, identity, the request's stash (one per resolver), headers and info. */
function contextOf(source: unknown, args: Record<string, unknown>, state: RequestState, info: GraphQLResolveInfo): AppSyncJsContext {
  const node = info.fieldNodes[0];
  return {
    arguments: args,
    args,
    source: source ?? null,
    identity: state.authorized.identity,
    stash: {},
    prev: { result: null },
    request: { headers: state.headers, domainName: state.domainName },
    info: {
      fieldName: info.fieldName,
      parentTypeName: info.parentType.name,
      variables: state.variables,
      selectionSetList: selectionList(node?.selectionSet, info),
      selectionSetGraphQL: node?.selectionSet ? print(node.selectionSet) : '',
    },
    result: null,
    error: null,
  };
}
