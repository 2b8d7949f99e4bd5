import {
  DeleteLayerVersionCommand,
  GetLayerVersionCommand,
  InvokeCommand,
  LambdaClient,
  ListLayersCommand,
  PublishLayerVersionCommand,
} from '@aws-sdk/client-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { RuntimesWithData } from '../../helpers/runtime-with-data.js';
import { zip } from '../../helpers/zip-archive.js';
import { assemblyOf } from '../assembly.js';
import { credentials, region, tempDataDir } from '../helpers.js';
import { createFunction, functionInput, payloadOf } from './control-plane-clients.js';

/** A layer with a Node.js package and a Python module, as Lambda unpacks a layer's zip into /opt. */
const LAYER_ZIP = zip([
  { path: 'nodejs/node_modules/greeting/index.js', body: "module.exports = (name) => 'hello from a published layer, ' + name;" },
  { path: 'python/greeting.py', body: 'def greet(name):\n    return "hello from a published layer, " + name\n' },
]);

const NODE_HANDLER = zip([{ path: 'index.js', body: "exports.handler = async (e) => require('greeting')(e.name);" }]);
const PYTHON_HANDLER = zip([
  { path: 'index.py', body: 'import greeting\n\n\ndef handler(event, context):\n    return greeting.greet(event["name"])\n' },
]);

describe('Lambda layers published through the API', () => {
  const runtimes = new RuntimesWithData();
  afterEach(() => runtimes.stopAll());

  const clientOf = (url: string) => new LambdaClient({ endpoint: url, region, credentials, maxAttempts: 1 });
  const greet = async (client: LambdaClient, FunctionName: string) =>
    payloadOf(await client.send(new InvokeCommand({ FunctionName, Payload: JSON.stringify({ name: 'Ada' }) })));

  it("runs a Node.js and a Python function naming a published layer's version with its contents, still after the version is deleted", async () => {
    const runtime = await runtimes.start(assemblyOf({}));
    const client = clientOf(runtime.url);
    try {
      const { LayerVersionArn } = await client.send(
        new PublishLayerVersionCommand({ LayerName: 'greetings', Content: { ZipFile: LAYER_ZIP } }),
      );
      expect(LayerVersionArn).toBe(`arn:aws:lambda:${region}:000000000000:layer:greetings:1`);
      await createFunction(client, functionInput('node-layered', NODE_HANDLER, { Layers: [String(LayerVersionArn)] }));
      await createFunction(
        client,
        functionInput('python-layered', PYTHON_HANDLER, {
          Runtime: 'python3.12',
          Handler: 'index.handler',
          Layers: [String(LayerVersionArn)],
        }),
      );
      expect(await greet(client, 'node-layered')).toBe('hello from a published layer, Ada');
      expect(await greet(client, 'python-layered')).toBe('hello from a published layer, Ada');
      await client.send(new DeleteLayerVersionCommand({ LayerName: 'greetings', VersionNumber: 1 }));
      await expect(client.send(new GetLayerVersionCommand({ LayerName: 'greetings', VersionNumber: 1 }))).rejects.toMatchObject({
        name: 'ResourceNotFoundException',
      });
      expect(await greet(client, 'node-layered')).toBe('hello from a published layer, Ada');
    } finally {
      client.destroy();
    }
  });

  it('keeps published layers across a restart, numbering the next version after the last', async () => {
    const dataDir = tempDataDir();
    const cdkOut = assemblyOf({});
    const first = clientOf((await runtimes.start(cdkOut, { dataDir })).url);
    await first.send(
      new PublishLayerVersionCommand({ LayerName: 'kept', Content: { ZipFile: LAYER_ZIP }, CompatibleRuntimes: ['nodejs24.x'] }),
    );
    first.destroy();
    await runtimes.stopAll();

    const second = clientOf((await runtimes.start(cdkOut, { dataDir })).url);
    try {
      const listed = await second.send(new ListLayersCommand({ CompatibleRuntime: 'nodejs24.x' }));
      expect(listed.Layers?.map((l) => [l.LayerName, l.LatestMatchingVersion?.Version])).toEqual([['kept', 1]]);
      const next = await second.send(new PublishLayerVersionCommand({ LayerName: 'kept', Content: { ZipFile: LAYER_ZIP } }));
      expect(next.Version).toBe(2);
      await createFunction(second, functionInput('after-restart', NODE_HANDLER, { Layers: [String(next.LayerVersionArn)] }));
      expect(await greet(second, 'after-restart')).toBe('hello from a published layer, Ada');
    } finally {
      second.destroy();
    }
  });
});
