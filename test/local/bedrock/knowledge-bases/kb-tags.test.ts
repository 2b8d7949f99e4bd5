import {
  BedrockAgentClient,
  CreateKnowledgeBaseCommand,
  type CreateKnowledgeBaseCommandInput,
  DeleteKnowledgeBaseCommand,
  GetKnowledgeBaseCommand,
  ListKnowledgeBasesCommand,
  ListTagsForResourceCommand,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-bedrock-agent';
import { describe, expect, it } from 'vitest';
import { sdkFailure } from '../../../helpers/sdk-failure.js';
import { assemblyOf } from '../../assembly.js';
import { region } from '../../helpers.js';
import { restartableRuntime, sdkConfig } from '../../restartable-runtime.js';

const EMBEDDING = `arn:aws:bedrock:${region}::foundation-model/amazon.titan-embed-text-v2:0`;
const STORAGE = {
  type: 'PINECONE',
  pineconeConfiguration: {
    connectionString: 'https://x',
    credentialsSecretArn: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:x',
    fieldMapping: { textField: 't', metadataField: 'm' },
  },
} as const;

/** A knowledge base as the API takes one, named `name`. */
const knowledgeBase = (name: string): CreateKnowledgeBaseCommandInput => ({
  name,
  roleArn: 'arn:aws:iam::000000000000:role/kb-role',
  knowledgeBaseConfiguration: { type: 'VECTOR', vectorKnowledgeBaseConfiguration: { embeddingModelArn: EMBEDDING } },
  storageConfiguration: STORAGE,
});

describe('Bedrock knowledge base tags', () => {
  const local = restartableRuntime({
    assembly: () =>
      assemblyOf({
        Handbook: {
          Type: 'AWS::Bedrock::KnowledgeBase',
          Properties: {
            Name: 'handbook',
            RoleArn: 'arn:aws:iam::000000000000:role/kb-role',
            KnowledgeBaseConfiguration: { Type: 'VECTOR', VectorKnowledgeBaseConfiguration: { EmbeddingModelArn: EMBEDDING } },
            StorageConfiguration: {
              Type: 'PINECONE',
              PineconeConfiguration: {
                ConnectionString: 'https://x',
                CredentialsSecretArn: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:x',
                FieldMapping: { TextField: 't', MetadataField: 'm' },
              },
            },
            Tags: { team: 'docs' },
          },
        },
      }),
    ownsAssembly: true,
    clients: (runtime) => ({ agent: new BedrockAgentClient({ ...sdkConfig(runtime.url), maxAttempts: 1 }) }),
  });
  const arnOf = async (name: string) => {
    const { knowledgeBaseSummaries = [] } = await local.agent.send(new ListKnowledgeBasesCommand({}));
    const id = knowledgeBaseSummaries.find((kb) => kb.name === name)?.knowledgeBaseId;
    return (await local.agent.send(new GetKnowledgeBaseCommand({ knowledgeBaseId: id }))).knowledgeBase?.knowledgeBaseArn ?? '';
  };
  const tagsOf = async (resourceArn: string) => (await local.agent.send(new ListTagsForResourceCommand({ resourceArn }))).tags;

  it("tags the template's knowledge base with its Tags, which TagResource and UntagResource change and a restart gives back", async () => {
    const arn = await arnOf('handbook');
    expect(await tagsOf(arn)).toEqual({ team: 'docs' });
    await local.agent.send(new TagResourceCommand({ resourceArn: arn, tags: { owner: 'ana', team: 'kb' } }));
    await local.agent.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ['owner', 'absent'] }));
    expect(await tagsOf(arn)).toEqual({ team: 'kb' });
    await local.restart();
    expect(await tagsOf(arn)).toEqual({ team: 'docs' });
  });

  it("keeps CreateKnowledgeBase's tags across a restart, and a deleted knowledge base's go with it", async () => {
    const { knowledgeBase: created } = await local.agent.send(
      new CreateKnowledgeBaseCommand({ ...knowledgeBase('by-api'), tags: { stage: 'dev' } }),
    );
    const arn = created?.knowledgeBaseArn ?? '';
    await local.restart();
    expect(await tagsOf(arn)).toEqual({ stage: 'dev' });
    await local.agent.send(new DeleteKnowledgeBaseCommand({ knowledgeBaseId: created?.knowledgeBaseId }));
    expect(await sdkFailure(local.agent.send(new ListTagsForResourceCommand({ resourceArn: arn })))).toMatchObject({
      code: 'ResourceNotFoundException',
      status: 404,
    });
  });

  describe('errors', () => {
    it("fails if the ARN is not one of a knowledge base's form (the model's pattern, with its \\d)", async () => {
      const lowercase = `arn:aws:bedrock:${region}:000000000000:knowledge-base/lowercase1`;
      expect(await sdkFailure(local.agent.send(new ListTagsForResourceCommand({ resourceArn: lowercase })))).toMatchObject({
        code: 'ValidationException',
        message: expect.stringContaining(String.raw`:\d{12}:(agent|agent-alias|knowledge-base|flow|prompt)`),
        status: 400,
      });
    });

    it('fails if the ARN names no knowledge base there is', async () => {
      const missing = `arn:aws:bedrock:${region}:000000000000:knowledge-base/NOSUCHKB01`;
      expect(await sdkFailure(local.agent.send(new TagResourceCommand({ resourceArn: missing, tags: { a: 'b' } })))).toMatchObject({
        code: 'ResourceNotFoundException',
        message: expect.stringContaining("doesn't exist"),
        status: 404,
      });
    });
  });
});
