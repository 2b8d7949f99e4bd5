import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import { describe, expect, it } from 'vitest';
import { DurableFlow, type DurableFlowProps } from '../../../lib/constructs/durable-flow.js';
import { NEW_APP_CONTEXT } from '../../../lib/constructs/feature-flags.js';
import { IdempotencyStore } from '../../../lib/constructs/idempotency-store.js';
import type { SwitchyardFunctionProps } from '../../../lib/constructs/switchyard-function.js';
import { TEST_ENV } from '../../helpers/synth.js';

// The flow's bundles built for real with esbuild (seconds of both cores each): npm run test:apps's, with the app's other bundles (vitest.config.ts).
const ENTRY = path.join(import.meta.dirname, '../../../lambdas/orders/durable-saga-handler.ts');

describe('DurableFlow bundling', () => {
  /** A durable handler that sends ListFunctionsCommand, which the Lambda client subset does not export. */
  const INVOKER = path.join(import.meta.dirname, '../../fixtures/durable-invoke-handler.ts');

  /** The flow's bundles, synthesized for real (the function's, and the starter's): each `index.mjs`'s code by construct. */
  function bundles(
    handler: Partial<SwitchyardFunctionProps>,
    flow: Partial<DurableFlowProps> = {},
  ): Record<'function' | 'starter', string> {
    const outdir = mkdtempSync(path.join(tmpdir(), 'switchyard-durable-bundles-'));
    try {
      // The flags as a new app's cdk.json sets them: the handler bundled with the Lambda client subset.
      const app = new App({ outdir, context: { ...NEW_APP_CONTEXT, 'aws:cdk:enable-asset-metadata': true } });
      const stack = new Stack(app, 'Test', { env: TEST_ENV });
      const durable = new DurableFlow(stack, 'Flow', {
        eventBus: new events.EventBus(stack, 'Bus'),
        handler: { entry: INVOKER, description: 'A durable flow', ...handler },
        idempotencyStore: new IdempotencyStore(stack, 'Store'),
        trigger: { description: 'test', eventPattern: { detailType: ['OrderPlaced'] } },
        ...flow,
      });
      const assembly = app.synth();
      const resources = assembly.getStackArtifact('Test').template.Resources as Record<string, { Metadata?: Record<string, string> }>;
      const code = (fn: { node: { defaultChild?: unknown } }) => {
        const id = stack.getLogicalId(fn.node.defaultChild as never);
        return readFileSync(path.join(assembly.directory, resources[id]?.Metadata?.['aws:asset:path'] ?? '', 'index.mjs'), 'utf8');
      };
      return { function: code(durable.function), starter: code(durable.starter?.function as never) };
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  }

  it("fails if a file of the handler imports another Lambda command than the client subset's, naming durableLambdaClient: false", () => {
    // The entry only re-exports the handler, so esbuild is the one to find the import; the error names the option beside it.
    const indirect = path.join(import.meta.dirname, '../../fixtures/durable-invoke-indirect-handler.ts');
    expect(() => bundles({ entry: indirect })).toThrow(
      /Test\/Flow\/Function: bundling failed with durableLambdaClient on\. .*set durableLambdaClient: false on the handler/,
    );
  });

  it("bundles the handler inside the kit's fork support, and as it is with forks: false", () => {
    // A handler that bundles: the durable saga's.
    const saga = { entry: ENTRY };
    const forkSupport = 'switchyardFork';
    expect(bundles(saga).function).toContain(forkSupport);
    expect(bundles(saga, { forks: false }).function).not.toContain(forkSupport);
  });

  it('bundles the whole client with durableLambdaClient: false, and the starter without event streams', () => {
    const code = bundles({ durableLambdaClient: false });
    const standIn = 'SwitchyardFunction eventStreams: false';
    // A name of the package's namespace object, which the durable execution SDK's import() keeps whole.
    expect(code.function).toContain('waitUntilFunctionActiveV2');
    expect(code.function).not.toContain(standIn);
    expect(code.starter).toContain(standIn);
  });
});
