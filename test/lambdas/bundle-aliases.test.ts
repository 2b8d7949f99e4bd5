import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { NormalizedSchema } from '@smithy/core/schema';
import { type BuildOptions, build, type Metafile } from 'esbuild';
import { describe, expect, it } from 'vitest';
import * as noEventStreams from '../../lambdas/kit/no-event-streams.js';
import { DURABLE_LAMBDA_CLIENT_EXPORTS } from '../../lib/constructs/bundle-aliases.js';
import { ERRORS, OPERATIONS } from '../../scripts/generate-lambda-subset.mjs';
import { handlerBuildOptions } from './handler-build.js';

/*
 * The modules SwitchyardFunction bundles in place of others (its esbuild aliases): the kit's
 * subset of the Lambda client for a durable function (`durableLambdaClient`), and the stand-in
 * for the SDK's event streams (`eventStreams: false`). Each must leave out only what the
 * function never runs, and fail the build, or fail saying why, where it would.
 */

const root = path.join(import.meta.dirname, '../..');
const SAGA = path.join(root, 'lambdas/orders/durable-saga-handler.ts');
const STARTER = path.join(root, 'lambdas/workflow-starter/durable-handler.ts');

type Options = { durableLambdaClient?: boolean; eventStreams?: boolean };

/** esbuild's options for `entry` as SwitchyardFunction builds it (test/lambdas/handler-build.ts). */
function options(entry: string, props: Options): BuildOptions {
  return handlerBuildOptions(entry, props);
}

/** The bundle's inputs with the bytes each contributes, and the names it exports. */
async function bundle(entry: string, props: Options): Promise<{ inputs: Map<string, number>; exports: string[]; code: string }> {
  const result = await build({ ...options(entry, props), entryPoints: [entry] });
  const output = Object.values((result.metafile as Metafile).outputs).find((o) => o.entryPoint !== undefined);
  return {
    inputs: new Map(Object.entries(output?.inputs ?? {}).map(([input, { bytesInOutput }]) => [input, bytesInOutput])),
    exports: output?.exports ?? [],
    code: result.outputFiles?.find((f) => f.path.endsWith('.mjs'))?.text ?? '',
  };
}

const bytesOf = (inputs: Map<string, number>, pattern: RegExp) =>
  [...inputs].filter(([input]) => pattern.test(input)).reduce((sum, [, bytes]) => sum + bytes, 0);

/** The commands the kit's subset of the Lambda client defines (it holds their operations' schemas). */
const SUBSET_COMMANDS = OPERATIONS.map((operation) => `client-lambda ${operation}Command`);

/** The SDK commands a bundle holds ("client-lambda InvokeCommand"): the only operations it can call. */
function commandsIn(inputs: Map<string, number>): string[] {
  const held = [...inputs].filter(([, bytes]) => bytes > 0).map(([input]) => input);
  const packaged = held
    .map((input) => /@aws-sdk\/(client-[\w-]+)\/dist-es\/commands\/(\w+Command)\.js$/.exec(input))
    .flatMap((match) => (match ? [`${match[1]} ${match[2]}`] : []));
  const subset = held.some((input) => input.endsWith('lambdas/kit/durable-lambda-client.ts')) ? SUBSET_COMMANDS : [];
  return [...packaged, ...subset].sort();
}

/** Whether the operation a command sends has an event stream in its input or output (as the SDK's Command decides). */
async function isEventStreamOperation(command: string): Promise<boolean> {
  const [client, name] = command.split(' ') as [string, string];
  const module = (await import(`@aws-sdk/${client}`)) as Record<string, new (input: object) => { schema: unknown[] }>;
  const Command = module[name];
  if (!Command) throw new Error(`@aws-sdk/${client} exports no ${name}`);
  const [, , , , input, output] = new Command({}).schema;
  return Boolean(NormalizedSchema.of(input as never).getEventStreamMember() || NormalizedSchema.of(output as never).getEventStreamMember());
}

describe("the durable function's Lambda client (durableLambdaClient)", () => {
  const subset = path.join(root, 'lambdas/kit/durable-lambda-client.ts');

  it.each([
    ['the durable saga', SAGA, 50],
    ["DurableFlow's starter", STARTER, 1],
  ])('leaves the aggregated client, the other commands, every other schema and error out of %s', async (_name, entry, commandsWithout) => {
    const [whole, slim] = await Promise.all([bundle(entry, {}), bundle(entry, { durableLambdaClient: true })]);
    // The durable execution SDK's import() keeps the aggregated client, waiters and paginators;
    // the client's configuration, the module of every schema and the registration of every error.
    const packageParts =
      /client-lambda\/dist-es\/(index|Lambda|models\/enums|waiters\/.*|pagination\/.*|schemas\/schemas_0|commands\/\w+)\.js$/;
    expect(bytesOf(whole.inputs, packageParts)).toBeGreaterThan(40_000);
    expect(bytesOf(slim.inputs, packageParts)).toBe(0);
    // Of the modeled errors, only the one the subset exports.
    expect(bytesOf(slim.inputs, /client-lambda\/dist-es\/models\/errors\.js$/)).toBeLessThan(1_000);
    const lambdaCommands = (inputs: Map<string, number>) => commandsIn(inputs).filter((c) => c.startsWith('client-lambda '));
    expect(lambdaCommands(whole.inputs).length).toBeGreaterThanOrEqual(commandsWithout);
    expect(whole.code.length - slim.code.length).toBeGreaterThan(55_000);
  });

  it("exports the names SwitchyardFunction's import check knows it by (DURABLE_LAMBDA_CLIENT_EXPORTS)", async () => {
    const { exports } = await bundle(subset, { durableLambdaClient: true });
    expect(exports.sort()).toEqual([...DURABLE_LAMBDA_CLIENT_EXPORTS].sort());
  });

  it('exports every name the durable execution SDK reads from the client it imports', async () => {
    const require = createRequire(import.meta.url);
    const sdkDir = path.dirname(path.dirname(require.resolve('@aws/durable-execution-sdk-js')));
    const sources = ['dist/index.mjs', 'dist-cjs/index.js'].map((file) => readFileSync(path.join(sdkDir, file), 'utf8'));
    for (const source of sources) {
      // How it loads the client: if this changes, so may what the subset must hold.
      expect(source).toContain("import('@aws-sdk/client-lambda')");
    }
    const used = new Set(sources.flatMap((source) => [...source.matchAll(/\b(LambdaClient|[A-Z]\w*Command)\b/g)].map((m) => m[1])));
    expect([...used].sort()).toEqual(['CheckpointDurableExecutionCommand', 'GetDurableExecutionStateCommand', 'LambdaClient']);
    // And what DurableFlow's starter and its function's fork support import from the client.
    const starterSources = ['workflow-starter/durable-handler.ts', 'workflow-starter/start-durable.ts', 'kit/durable-forks.ts'].map(
      (file) => readFileSync(path.join(root, 'lambdas', file), 'utf8'),
    );
    const starterNames = starterSources.flatMap((source) =>
      [...source.matchAll(/import \{([^}]+)\} from '@aws-sdk\/client-lambda'/g)].flatMap((m) =>
        (m[1] as string).split(',').flatMap((name) => (name.trim().startsWith('type ') || name.trim() === '' ? [] : [name.trim()])),
      ),
    );
    expect([...new Set(starterNames)].sort()).toEqual([
      'CheckpointDurableExecutionCommand',
      'DurableExecutionAlreadyStartedException',
      'GetDurableExecutionHistoryCommand',
      'GetDurableExecutionStateCommand',
      'InvokeCommand',
      'LambdaClient',
    ]);
    const { exports } = await bundle(subset, { durableLambdaClient: true });
    expect(exports.sort()).toEqual([...new Set([...used, ...starterNames])].sort());
    expect(exports).toEqual(expect.arrayContaining([...OPERATIONS.map((operation) => `${operation}Command`), ...ERRORS]));
  });

  it('fails the build of a handler that imports a name the subset does not export, and builds it without the subset', async () => {
    const handler = path.join(root, 'test/fixtures/durable-invoke-handler.ts');
    await expect(bundle(handler, { durableLambdaClient: true })).rejects.toThrow(
      /No matching export in "lambdas\/kit\/durable-lambda-client\.ts" for import "ListFunctionsCommand"/,
    );
    expect(commandsIn((await bundle(handler, {})).inputs)).toContain('client-lambda ListFunctionsCommand');
  });

  it('sends and reads the durable operations through the bundled subset', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'switchyard-durable-client-'));
    try {
      const file = path.join(dir, 'client.mjs');
      await build({
        ...options(subset, { durableLambdaClient: true, eventStreams: false }),
        stdin: {
          contents: "export { LambdaClient, GetDurableExecutionStateCommand } from '@aws-sdk/client-lambda';",
          resolveDir: root,
          loader: 'js',
        },
        write: true,
        outfile: file,
        metafile: false,
      });
      // A request handler that answers as Lambda does, so that the client's own serializer and parser run.
      const script = `
        import { Readable } from 'node:stream';
        const { LambdaClient, GetDurableExecutionStateCommand } = await import(${JSON.stringify(file)});
        let request;
        const body = '{"Operations":[{"Id":"op-1","Type":"STEP","Status":"SUCCEEDED"}],"NextMarker":"m2"}';
        const client = new LambdaClient({
          region: 'eu-west-1',
          credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret' },
          requestHandler: {
            handle: async (r) => {
              request = r;
              return { response: { statusCode: 200, headers: { 'content-type': 'application/json' }, body: Readable.from([Buffer.from(body)]) } };
            },
          },
        });
        const arn = 'arn:aws:lambda:eu-west-1:111111111111:function:f:live/durable-execution/n/1';
        const answer = await client.send(new GetDurableExecutionStateCommand({ DurableExecutionArn: arn, CheckpointToken: 't', MaxItems: 10 }));
        const { method, path, query } = request;
        process.stdout.write(JSON.stringify({ method, path, query, answer: { Operations: answer.Operations, NextMarker: answer.NextMarker } }));`;
      expect(JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }))).toMatchObject({
        method: 'GET',
        path: `/2025-12-01/durable-executions/${encodeURIComponent('arn:aws:lambda:eu-west-1:111111111111:function:f:live/durable-execution/n/1')}/state`,
        query: expect.objectContaining({ CheckpointToken: 't', MaxItems: '10' }),
        answer: { Operations: [{ Id: 'op-1', Type: 'STEP', Status: 'SUCCEEDED' }], NextMarker: 'm2' },
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the SDK's event streams left out (eventStreams: false)", () => {
  it("stands in for every name of the SDK's module", async () => {
    // The module's names as the bundler sees them (its ESM build).
    const result = await build({
      ...options(SAGA, {}),
      stdin: { contents: "export * from '@smithy/core/event-streams';", resolveDir: root, loader: 'js' },
    });
    const names = Object.values((result.metafile as Metafile).outputs).flatMap((o) => o.exports);
    expect(names.length).toBeGreaterThan(10);
    expect(Object.keys(noEventStreams).sort()).toEqual(names.sort());
  });

  it('lets a client be made, and says why when an event stream is read or written', () => {
    const config = noEventStreams.resolveEventStreamSerdeConfig({ eventStreamSerdeProvider: noEventStreams.eventStreamSerdeProvider });
    const marshaller = config.eventStreamMarshaller as ReturnType<typeof noEventStreams.eventStreamSerdeProvider>;
    expect(() => marshaller.deserialize()).toThrow(
      /event streams are left out of this function's bundle \(SwitchyardFunction eventStreams: false\)/,
    );
    expect(() => Reflect.construct(noEventStreams.EventStreamSerde, [])).toThrow(/^EventStreamSerde: .*eventStreams: true, the default$/);
  });

  it.each([
    ['the durable saga', SAGA, { durableLambdaClient: true, eventStreams: false }],
    ["DurableFlow's starter", STARTER, { durableLambdaClient: true, eventStreams: false }],
  ])('holds no event-stream code in %s, whose every operation has no event stream', async (_name, entry, props) => {
    const { inputs } = await bundle(entry, props);
    expect(bytesOf(inputs, /@smithy\/core\/dist-es\/submodules\/event-streams\//)).toBe(0);
    expect(bytesOf(inputs, /lambdas\/kit\/no-event-streams\.ts$/)).toBeGreaterThan(0);
    // What makes the stand-in safe here: a bundle calls only the operations of the commands it
    // holds, and none of these reads or writes an event stream.
    const commands = commandsIn(inputs);
    expect(commands.length).toBeGreaterThan(2);
    for (const command of commands) expect(await isEventStreamOperation(command), command).toBe(false);
  });

  it('tells an event-stream operation from the others (the check above can fail)', async () => {
    expect(await isEventStreamOperation('client-lambda InvokeWithResponseStreamCommand')).toBe(true);
    expect(await isEventStreamOperation('client-lambda InvokeCommand')).toBe(false);
  });
});
