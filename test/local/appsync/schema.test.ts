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

  it('fails if a directive is not one of AppSync’s, naming it', () => {
    expect(() => appSyncSchema('type Query { a: String @aws_nothing }')).toThrow(AppSyncSchemaError);
    expect(() => appSyncSchema('type Query { a: String @aws_nothing }')).toThrow(/aws_nothing/);
  });
});
