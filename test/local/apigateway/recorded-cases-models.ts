import { CreateModelCommand, DeleteModelCommand, GetModelCommand, GetModelsCommand, UpdateModelCommand } from '@aws-sdk/client-api-gateway';
import type { Replay, ReplayContext } from './recorded-replay.js';

/** The recorded tests of models (TestApiGatewayApiModels), replayed call by call as test_apigateway_api.py makes them. */

const CALC_SCHEMA =
  '{\n\t"title": "Calc output",\n\t"type": "object",\n\t"properties": {\n\t\t"a": {\n\t\t\t"type": "number"\n\t\t},\n\t\t"b": {\n\t\t\t"type": "number"\n\t\t},\n\t\t"op": {\n\t\t\t"description": "operation of +, -, * or /",\n\t\t\t"type": "string"\n\t\t},\n\t\t"c": {\n\t\t    "type": "number"\n\t\t}\n\t},\n\t"required": ["a", "b", "op"]\n}\n';
const MY_SCHEMA = JSON.stringify({ title: 'MySchema', type: 'object' });

const restApiId = async (c: ReplayContext, description: string) => String((await c.api({ description })).id);

export const MODEL_CASES: Record<string, Replay> = {
  async 'TestApiGatewayApiModels::test_model_lifecycle'(c) {
    const id = await restApiId(c, 'testing resource model lifecycle');
    const created = await c.call(
      new CreateModelCommand({
        name: 'CalcOutput',
        restApiId: id,
        contentType: 'application/json',
        description: 'Calc output model',
        schema: CALC_SCHEMA,
      }),
    );
    const models = await c.call(new GetModelsCommand({ restApiId: id }));
    const items = [...((models.items as { name: string }[]) ?? [])].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return {
      'create-model': created,
      'get-models': { ...models, items },
      'get-model': await c.call(new GetModelCommand({ restApiId: id, modelName: 'CalcOutput' })),
      'del-model': await c.call(new DeleteModelCommand({ restApiId: id, modelName: 'CalcOutput' })),
    };
  },

  async 'TestApiGatewayApiModels::test_model_validation'(c) {
    const id = await restApiId(c, 'testing resource model lifecycle');
    const fake = 'abcde0';
    const model = (input: { restApiId?: string; name?: string; schema?: string; contentType?: string; description?: string }) =>
      c.call(
        new CreateModelCommand({
          name: 'MySchema',
          restApiId: id,
          contentType: 'application/json',
          description: '',
          schema: MY_SCHEMA,
          ...input,
        }),
      );
    const out: Record<string, unknown> = {
      'create-model-wrong-id': await model({ restApiId: fake, description: 'Test model' }),
      'get-models-wrong-id': await c.call(new GetModelsCommand({ restApiId: fake })),
      'get-model-wrong-id': await c.call(new GetModelCommand({ restApiId: fake, modelName: 'MySchema' })),
      'del-model-wrong-id': await c.call(new DeleteModelCommand({ restApiId: fake, modelName: 'MySchema' })),
    };
    await c.send(
      new CreateModelCommand({ name: 'MySchema', restApiId: id, contentType: 'application/json', description: '', schema: MY_SCHEMA }),
    );
    return {
      ...out,
      'create-model-already-exists': await model({}),
      'create-model-empty-name': await model({ name: '' }),
      'create-model-empty-schema': await model({ name: 'MyEmptySchema', schema: '' }),
      'create-model-no-schema-json': await model({ name: 'MyEmptySchema', schema: undefined }),
      'create-model-no-schema-xml': await model({ name: 'MyEmptySchemaXml', contentType: 'application/xml', schema: undefined }),
    };
  },

  async 'TestApiGatewayApiModels::test_update_model'(c) {
    const id = await restApiId(c, 'testing update resource model');
    const ops = [
      { op: 'replace', path: '/schema', value: JSON.stringify({ title: 'Updated schema', type: 'object' }) },
      { op: 'replace', path: '/description', value: '' },
    ];
    const update = (operations: object[], restApi = id, modelName = 'MySchema') =>
      c.call(new UpdateModelCommand({ restApiId: restApi, modelName, patchOperations: operations as never }));
    const out: Record<string, unknown> = { 'update-model-wrong-id': await update(ops, 'abcde0', 'mySchema') };
    return {
      ...out,
      'create-model': await c.call(
        new CreateModelCommand({ name: 'MySchema', restApiId: id, contentType: 'application/json', description: '', schema: MY_SCHEMA }),
      ),
      'update-model': await update(ops),
      'update-model-invalid-op': await update([{ op: 'add', path: '/wrong-path', value: 'not supported op' }]),
      'update-model-invalid-path': await update([{ op: 'replace', path: '/name', value: 'invalid' }]),
      'update-model-empty-schema': await update([{ op: 'replace', path: '/schema', value: '' }]),
    };
  },
};
