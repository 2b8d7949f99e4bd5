import {
  AddPermissionCommand,
  CreateFunctionCommand,
  CreateFunctionUrlConfigCommand,
  DeleteFunctionCommand,
  DeleteFunctionUrlConfigCommand,
  GetFunctionUrlConfigCommand,
  LambdaClient,
  waitUntilFunctionActiveV2,
} from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';
import { zip } from '../../helpers/zip-archive.js';
import { assemblyOf } from '../assembly.js';
import { region } from '../helpers.js';
import { restartableRuntime, sdkConfig } from '../restartable-runtime.js';

const HANDLER = `exports.handler = async (event) => ({ statusCode: 200, body: 'hello from ' + event.rawPath });\n`;

const app = restartableRuntime({
  assembly: () => assemblyOf({}),
  ownsAssembly: true,
  options: {
    log: (line) => {
      if (process.env.SHOW_LOG) console.log(line);
    },
    iam: 'enforce',
  },
  clients: (runtime) => ({ lambda: new LambdaClient({ ...sdkConfig(runtime.url), maxAttempts: 1 }) }),
});

/** A function made through the API whose resource policy lets anyone call its public URL, as the console adds it. */
async function publicFunction(FunctionName: string): Promise<void> {
  await app.lambda.send(
    new CreateFunctionCommand({
      FunctionName,
      Runtime: 'nodejs22.x',
      Handler: 'index.handler',
      Role: 'arn:aws:iam::000000000000:role/url-function',
      Code: { ZipFile: zip([{ path: 'index.js', body: HANDLER }]) },
    }),
  );
  await waitUntilFunctionActiveV2({ client: app.lambda, minDelay: 0.05, maxDelay: 0.2, maxWaitTime: 20 }, { FunctionName });
  await app.lambda.send(
    new AddPermissionCommand({
      FunctionName,
      StatementId: 'public-url',
      Action: 'lambda:InvokeFunctionUrl',
      Principal: '*',
      FunctionUrlAuthType: 'NONE',
    }),
  );
  await app.lambda.send(
    new AddPermissionCommand({ FunctionName, StatementId: 'public-invoke', Action: 'lambda:InvokeFunction', Principal: '*' }),
  );
}

/** The url id of a FunctionUrl (its port is the endpoint's, which a restart changes). */
const urlIdOf = (functionUrl: string) => /^http:\/\/([a-z0-9]+)\.lambda-url\./.exec(functionUrl)?.[1];

/** Calls a URL path-style at the endpoint, by the url id of the FunctionUrl the API answered. */
async function call(functionUrl: string, path: string): Promise<{ status: number; body: string }> {
  const response = await fetch(`${app.runtime.url}/_aws/lambda-url/${urlIdOf(functionUrl)}${path}`);
  return { status: response.status, body: await response.text() };
}

describe('Function URLs made through Lambda’s API', () => {
  let functionUrl: string;

  it('serves a URL CreateFunctionUrlConfig made: a request reaches the function', async () => {
    await publicFunction('url-api-fn');
    const created = await app.lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'url-api-fn', AuthType: 'NONE' }));
    functionUrl = String(created.FunctionUrl);
    expect(functionUrl).toMatch(new RegExp(`^http://[a-z0-9]{32}\\.lambda-url\\.${region}\\.localhost:\\d+/$`));
    expect(await call(functionUrl, '/greet')).toEqual({ status: 200, body: 'hello from /greet' });
  });

  it('keeps it across a restart, and serves it again', async () => {
    await app.restart();
    const kept = await app.lambda.send(new GetFunctionUrlConfigCommand({ FunctionName: 'url-api-fn' }));
    expect(urlIdOf(String(kept.FunctionUrl))).toBe(urlIdOf(functionUrl));
    expect(await call(functionUrl, '/again')).toEqual({ status: 200, body: 'hello from /again' });
  });

  it('no longer serves it once DeleteFunctionUrlConfig deleted it, nor a deleted function’s: 403 as for a caller not let in', async () => {
    const forbidden = {
      status: 403,
      body: JSON.stringify({
        Message:
          'Forbidden. For troubleshooting Function URL authorization issues, see: https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html',
      }),
    };
    await app.lambda.send(new DeleteFunctionUrlConfigCommand({ FunctionName: 'url-api-fn' }));
    expect(await call(functionUrl, '/')).toEqual(forbidden);
    const again = await app.lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'url-api-fn', AuthType: 'NONE' }));
    await app.lambda.send(new DeleteFunctionCommand({ FunctionName: 'url-api-fn' }));
    expect(await call(String(again.FunctionUrl), '/')).toEqual(forbidden);
  });

  it('answers a URL id it never gave out 403 {"Message":null}', async () => {
    expect(await call('http://0123456789abcdefghijklmnopqrstuv.lambda-url.us-east-1.localhost/', '/')).toEqual({
      status: 403,
      body: '{"Message":null}',
    });
  });
});
