import { type ConstDirectiveNode, type GraphQLField, type GraphQLObjectType, Kind } from 'graphql';
import type { Authorized } from './auth.js';
import type { AuthProvider } from './definitions.js';

/** The `@aws_*` directive of each mode. */
const DIRECTIVE_MODES: Readonly<Record<string, AuthProvider['type']>> = {
  aws_api_key: 'API_KEY',
  aws_iam: 'AWS_IAM',
  aws_cognito_user_pools: 'AMAZON_COGNITO_USER_POOLS',
  aws_oidc: 'OPENID_CONNECT',
  aws_lambda: 'AWS_LAMBDA',
};

/** The groups a `cognito_groups:` argument names. */
function groupsOf(directive: ConstDirectiveNode): string[] | undefined {
  const arg = directive.arguments?.find((a) => a.name.value === 'cognito_groups');
  if (arg === undefined) return undefined;
  if (arg.value.kind === Kind.LIST) return arg.value.values.flatMap((v) => (v.kind === Kind.STRING ? [v.value] : []));
  return arg.value.kind === Kind.STRING ? [arg.value.value] : [];
}

/**
 * Whether the request's mode may read a field, as AppSync decides it: the field's `@aws_*`
 * directives, else its type's, else only the API's default mode; `cognito_groups` asks for one
 * of the groups; a Lambda authorizer's `deniedFields` take fields away.
 * (https://docs.aws.amazon.com/appsync/latest/devguide/security-authz.html#using-additional-authorization-modes)
 */
export function fieldAllowed(
  parent: GraphQLObjectType,
  field: GraphQLField<unknown, unknown>,
  authorized: Authorized,
  defaultMode: AuthProvider['type'],
  apiArn: string,
): boolean {
  if (
    authorized.deniedFields.some((d) => d === `${parent.name}.${field.name}` || d === `${apiArn}/types/${parent.name}/fields/${field.name}`)
  )
    return false;
  const directives = (node: { readonly directives?: readonly ConstDirectiveNode[] } | null | undefined) =>
    (node?.directives ?? []).filter((d) => d.name.value in DIRECTIVE_MODES || d.name.value === 'aws_auth');
  const onField = directives(field.astNode);
  const chosen = onField.length > 0 ? onField : directives(parent.astNode);
  if (chosen.length === 0) return authorized.mode === defaultMode;
  return chosen.some((d) => {
    const mode = d.name.value === 'aws_auth' ? 'AMAZON_COGNITO_USER_POOLS' : DIRECTIVE_MODES[d.name.value];
    if (mode !== authorized.mode) return false;
    const groups = groupsOf(d);
    if (groups === undefined) return true;
    const mine = (authorized.identity as { groups?: unknown } | null)?.groups;
    return Array.isArray(mine) && mine.some((g) => groups.includes(String(g)));
  });
}
