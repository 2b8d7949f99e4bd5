import { getOperationAST, Kind, parse } from 'graphql';
import type { Authorized } from './auth.js';
import type { GraphqlApiDefinition } from './definitions.js';

/**
 * What AppSync tells its observers of each GraphQL request it served (the traces service makes
 * the request's span of it: local/traces/graphql-spans.ts), with the trace header its resolvers'
 * calls carried.
 */
export interface GraphqlRequestNote {
  readonly api: Pick<GraphqlApiDefinition, 'id' | 'name' | 'arn'>;
  readonly requestId: string;
  readonly operation?: GraphqlOperation;
  readonly authMode?: Authorized['mode'];
  readonly caller?: GraphqlCaller;
  readonly traceHeader: string;
  readonly startedWith?: string;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly errors?: readonly { readonly errorType?: string; readonly message: string }[];
}

export interface GraphqlOperation {
  readonly type: 'query' | 'mutation' | 'subscription';
  readonly name?: string;
  /** The operation's type and top-level fields (`Mutation.putNote`). */
  readonly fields: readonly string[];
}

export interface GraphqlCaller {
  readonly id?: string;
  readonly name?: string;
  readonly apiKey?: string;
}

const TYPE_NAMES = { query: 'Query', mutation: 'Mutation', subscription: 'Subscription' } as const;

/** The operation a request runs (`operationName`'s, or its only one); undefined for a query that does not parse or names none. */
export function operationOf(query: string, operationName: string | undefined): GraphqlOperation | undefined {
  let document: ReturnType<typeof parse>;
  try {
    document = parse(query);
  } catch {
    // The executor answers the syntax error itself; the request's span then names no operation.
    return undefined;
  }
  const operation = getOperationAST(document, operationName);
  if (!operation) return undefined;
  const typeName = TYPE_NAMES[operation.operation];
  const fields = operation.selectionSet.selections.flatMap((s) => (s.kind === Kind.FIELD ? [`${typeName}.${s.name.value}`] : []));
  return { type: operation.operation, ...(operation.name ? { name: operation.name.value } : {}), fields };
}

/**
 * Who asked, from the mode that let the request in: a user pool's or OIDC user's `sub` (and
 * Cognito's username), an IAM caller's ARN. An API key is AppSync's only id of it and is the
 * secret itself, so only its prefix and last four characters are kept (as the console shows
 * one it hides).
 */
export function callerOf(authorized: Authorized, apiKey: string | undefined): GraphqlCaller | undefined {
  const identity = (authorized.identity ?? {}) as { sub?: unknown; username?: unknown; userArn?: unknown };
  const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
  switch (authorized.mode) {
    case 'API_KEY':
      return apiKey === undefined ? undefined : { apiKey: `${apiKey.slice(0, 4)}…${apiKey.slice(-4)}` };
    case 'AMAZON_COGNITO_USER_POOLS':
    case 'OPENID_CONNECT': {
      const id = text(identity.sub);
      const name = text(identity.username);
      return { ...(id ? { id } : {}), ...(name ? { name } : {}) };
    }
    case 'AWS_IAM': {
      const id = text(identity.userArn);
      return id ? { id } : undefined;
    }
    default:
      return undefined;
  }
}
