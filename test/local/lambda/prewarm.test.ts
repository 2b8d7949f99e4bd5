import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LambdaService } from '../../../local/lambda/lambda-service.js';
import type { FunctionDefinition } from '../../../local/lambda/runtime/function-runtime.js';
import { openDatabase } from '../../../local/store/data-folder.js';
import { codeFunction } from './fixtures/code-function.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A function whose init phase appends its name to `inits`, so that the order the warm-up started them in can be read. */
function counted(name: string, inits: string): FunctionDefinition {
  return codeFunction(
    name,
    `import { appendFileSync } from 'node:fs';\nappendFileSync(${JSON.stringify(inits)}, '${name}\\n');\nexport const handler = async () => '${name}';`,
  );
}

describe('LambdaService.prepare', () => {
  it("starts the functions an event source reaches first (by name or qualified ARN), then the others in the template's order, each once", async () => {
    const inits = path.join(mkdtempSync(path.join(tmpdir(), 'switchyard-prewarm-')), 'inits');
    writeFileSync(inits, '');
    const db = openDatabase(':memory:');
    const lambda = new LambdaService({
      functions: ['api', 'report', 'consumer', 'target'].map((name) => counted(name, inits)),
      sqsMappings: [],
      sqs: {} as never,
      baseEnvironment: {},
      region: 'us-east-1',
      log: () => {},
      db,
      destinations: { send: async () => {} },
    });
    cleanups.push(async () => {
      await lambda.stop();
      db.close();
    });
    await lambda.prepare(undefined, ['consumer', 'arn:aws:lambda:us-east-1:000000000000:function:target:live']);
    // A second warm-up (after a reload that changed nothing) starts none again.
    await lambda.prepare();
    expect(readFileSync(inits, 'utf8').split('\n').filter(Boolean)).toEqual(['consumer', 'target', 'api', 'report']);
  });
});
