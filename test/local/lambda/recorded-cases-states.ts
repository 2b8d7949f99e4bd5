import {
  GetFunctionCommand,
  UpdateFunctionCodeCommand,
  type UpdateFunctionCodeCommandInput,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { type Answer, ECHO, type Replay, type ReplayContext, zipFunction } from './recorded-replay.js';

/** The recordings' second handler (TEST_LAMBDA_PYTHON_VERSION): new code for an update. */
const VERSION_PY = 'def handler(event, context):\n    return {"version": "version1"}\n';

const get = (c: ReplayContext, FunctionName: string, Qualifier?: string) => c.call(new GetFunctionCommand({ FunctionName, Qualifier }));

/**
 * A function's code updated and read while the update is InProgress (AWS's had not ended when
 * the recording read it; here it is held in progress), then waited for (`function_updated_v2`).
 */
async function readDuringUpdate(c: ReplayContext, name: string, update: UpdateFunctionCodeCommandInput, live: Answer): Promise<Answer> {
  await c.whileInProgress(async () => {
    live['update-function-response'] = await c.call(new UpdateFunctionCodeCommand(update));
    live['get-function-response-updated'] = await get(c, name);
  });
  await c.updated(name);
  return live;
}

/** test_lambda_api.py's tests of a function read, changed or invoked while a change is in progress, by snapshot key. */
export const STATE_CASES: Record<string, Replay> = {
  'TestLambdaFunction::test_lambda_code_location_zipfile': async (c) => {
    const name = c.name('code-function');
    const live: Answer = { 'create-response-zip-file': await zipFunction(c, name) };
    live['get-function-response'] = await get(c, name);
    return readDuringUpdate(c, name, { FunctionName: name, ZipFile: c.archive('handler.py', VERSION_PY) }, live);
  },
  'TestLambdaFunction::test_lambda_code_location_s3': async (c) => {
    const name = c.name('code-function');
    const bucket = c.name('code-bucket');
    const Key = 'code/code-function.zip';
    await c.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await c.s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body: c.archive('handler.py', ECHO['handler.py'] ?? '') }));
    const live: Answer = { create_response_s3: await zipFunction(c, name, { Code: { S3Bucket: bucket, S3Key: Key } }) };
    live['get-function-response'] = await get(c, name);
    await c.s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body: c.archive('handler.py', VERSION_PY) }));
    return readDuringUpdate(c, name, { FunctionName: name, S3Bucket: bucket, S3Key: Key }, live);
  },
  'TestLambdaFunction::test_lambda_concurrent_code_updates': async (c) => {
    const name = c.name('test-lambda');
    const live: Answer = {
      'create-function-response': await zipFunction(c, name, { Handler: 'handler.handler' }),
    };
    const update = (version: string) =>
      c.call(
        new UpdateFunctionCodeCommand({ FunctionName: name, ZipFile: c.archive('handler.py', VERSION_PY.replace('version1', version)) }),
      );
    await c.whileInProgress(async () => {
      await update('version1');
      live['update-during-in-progress-update-exc'] = await update('version2');
    });
    await c.updated(name);
    return live;
  },
  'TestLambdaFunction::test_lambda_concurrent_config_updates': async (c) => {
    const name = c.name('test-lambda');
    const live: Answer = { 'create-function-response': await c.create(name) };
    const update = (TEST: string) =>
      c.call(new UpdateFunctionConfigurationCommand({ FunctionName: name, Environment: { Variables: { TEST } } }));
    await c.whileInProgress(async () => {
      await update('TEST1');
      live['update-during-in-progress-update-exc'] = await update('TEST2');
    });
    await c.updated(name);
    return live;
  },
  'TestLambdaVersions::test_publish_with_update': async (c) => {
    const name = c.name('fn');
    const live: Answer = { create_response: await zipFunction(c, name) };
    live.get_function_result = await get(c, name);
    await c.whileInProgress(async () => {
      live.update_function_code_result = await c.call(
        new UpdateFunctionCodeCommand({ FunctionName: name, ZipFile: c.archive('handler.py', VERSION_PY), Publish: true }),
      );
      live.get_function_version_result = await get(c, name, '1');
      live.get_function_latest_result = await get(c, name, '$LATEST');
    });
    await c.updated(name);
    return live;
  },
};
