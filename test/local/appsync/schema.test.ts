import { describe, expect, it } from 'vitest';
import { AppSyncSchemaError, appSyncSchema } from '../../../local/appsync/schema.js';

describe('appSyncSchema', () => {
  it('takes the auth directives on input types and enums, as AppSync deploys such schemas', () => {
    const schema = appSyncSchema(`
      type Mutation { createUser(input: UserInput!): User! @aws_cognito_user_pools }
      type Query { user(id: ID!): User @aws_api_key }
      type User @aws_cognito_user_pools { id: ID! role: Role }
      input UserInput @aws_cognito_user_pools { name: String! @aws_iam }
      enum Role @aws_cognito_user_pools { ADMIN USER }
    `);
    expect(schema.getType('UserInput')).toBeDefined();
    expect(schema.getType('Role')).toBeDefined();
  });

  it('takes a directive AppSync does not define, naming it and the directive it likely meant, and it does nothing', () => {
    const said: string[] = [];
    const schema = appSyncSchema(
      'type Query { a: String @aws_apikey b: String @aws_nothing(why: "typo", n: [1]) @aws_nothing } type Mutation { c: String @aws_api_key }',
      (message) => said.push(message),
    );
    expect(schema.getQueryType()?.getFields().a).toBeDefined();
    expect(said).toEqual([
      "@aws_apikey is not one of AppSync's directives (@aws_api_key?): it does nothing here",
      "@aws_nothing is not one of AppSync's directives: it does nothing here",
    ]);
  });

  it('skips a `;` after a field as AppSync does, naming its lines, and keeps one in a string or a comment', () => {
    const said: string[] = [];
    const schema = appSyncSchema(
      'type Query {\n  a: String;\n  # not; a field\n  b(x: String = "x;y"): String @deprecated(reason: """semi; colon""");\n}\n',
      (message) => said.push(message),
    );
    const fields = schema.getQueryType()?.getFields() ?? {};
    expect(Object.keys(fields)).toEqual(['a', 'b']);
    expect(fields.b?.args[0]?.defaultValue).toBe('x;y');
    expect(fields.b?.deprecationReason).toBe('semi; colon');
    expect(said).toEqual([
      "`;` (line 2, 4) is not GraphQL: AppSync's parser skips it, and so does this runtime (other GraphQL tools refuse it)",
    ]);
  });

  it('fails if the schema does not build for another reason, naming it', () => {
    expect(() => appSyncSchema('type Query { a: Missing }')).toThrow(AppSyncSchemaError);
    expect(() => appSyncSchema('type Query { a: Missing }')).toThrow(/Unknown type "Missing"/);
  });
});
