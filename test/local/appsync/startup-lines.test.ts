import { describe, expect, it } from 'vitest';
import type { GraphqlApiDefinition } from '../../../local/appsync/definitions.js';
import { appSyncLines } from '../../../local/appsync/startup-lines.js';

const api = (auth: GraphqlApiDefinition['auth']): GraphqlApiDefinition => ({
  id: 'api1',
  name: 'DemoApi',
  arn: 'arn:aws:appsync:us-east-1:000000000000:apis/api1',
  url: 'http://127.0.0.1:4722/_aws/appsync/api1/graphql',
  realtimeUrl: '',
  auth,
  schema: '',
  apiKeys: [],
  dataSources: new Map(),
  resolvers: [],
  functions: new Map(),
  where: 'the test',
  tags: {},
});

describe('appSyncLines', () => {
  it("says, for an API that takes AWS_IAM, that a caller's identity is its access key id, not the IAM principal AWS gives", () => {
    const [, differs] = appSyncLines([api([{ type: 'AWS_IAM' }])], 'http://127.0.0.1:4722');
    expect(differs).toContain(
      "an AWS_IAM caller's identity.username is its access key id, its userArn user/<access key id> (AWS gives the IAM principal's)",
    );
  });

  it('says nothing of IAM identities for an API that does not take AWS_IAM', () => {
    const [, differs] = appSyncLines([api([{ type: 'API_KEY' }])], 'http://127.0.0.1:4722');
    expect(differs).not.toContain('AWS_IAM');
  });
});
