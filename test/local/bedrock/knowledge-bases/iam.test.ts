import { describe, expect, it } from 'vitest';
import { bedrockIam } from '../../../../local/bedrock/iam-authorizations.js';
import { authorizationsFor } from '../../../../local/iam/authorizations.js';

const context = { region: 'us-east-1', accountId: '111122223333' } as Parameters<typeof authorizationsFor>[3];
const KB = 'arn:aws:bedrock:us-east-1:111122223333:knowledge-base/KB12345678';

describe('the knowledge base operations in IAM', () => {
  it('authorizes Retrieve, StartIngestionJob and GetDataSource on the knowledge base ARN', () => {
    for (const operation of ['Retrieve', 'StartIngestionJob', 'GetDataSource']) {
      expect(authorizationsFor(bedrockIam, operation, { knowledgeBaseId: 'KB12345678', dataSourceId: 'DS' }, context)).toEqual([
        { action: `bedrock:${operation}`, resource: KB },
      ]);
    }
  });

  it('authorizes RetrieveAndGenerate, Retrieve on the knowledge base and InvokeModel on the model that generates', () => {
    const input = {
      input: { text: 'q' },
      retrieveAndGenerateConfiguration: {
        type: 'KNOWLEDGE_BASE',
        knowledgeBaseConfiguration: {
          knowledgeBaseId: 'KB12345678',
          modelArn: 'arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0',
        },
      },
    };
    expect(authorizationsFor(bedrockIam, 'RetrieveAndGenerate', input, context)).toEqual([
      { action: 'bedrock:RetrieveAndGenerate', resource: '*' },
      { action: 'bedrock:Retrieve', resource: KB },
      { action: 'bedrock:InvokeModel', resource: 'arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0' },
    ]);
  });

  it('reads RetrieveAndGenerate in PascalCase too, as a Step Functions task gives it', () => {
    const input = {
      RetrieveAndGenerateConfiguration: {
        KnowledgeBaseConfiguration: { KnowledgeBaseId: 'KB12345678', ModelArn: 'amazon.nova-lite-v1:0' },
      },
    };
    expect(authorizationsFor(bedrockIam, 'RetrieveAndGenerate', input, context)).toContainEqual({
      action: 'bedrock:Retrieve',
      resource: KB,
    });
  });
});
