import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { packagedHandlerEntry } from './handler-entry.js';
import { invalidProp, type ValidationSubject } from './validation.js';

/**
 * What the kit's durable subset of `@aws-sdk/client-lambda` (lambdas/kit/durable-lambda-client.ts)
 * exports: a handler bundled with it may import these names of the client and no other
 * (test/lambdas/bundle-aliases.test.ts checks the list against the module).
 */
export const DURABLE_LAMBDA_CLIENT_EXPORTS: readonly string[] = [
  'CheckpointDurableExecutionCommand',
  'DurableExecutionAlreadyStartedException',
  'GetDurableExecutionHistoryCommand',
  'GetDurableExecutionStateCommand',
  'InvokeCommand',
  'LambdaClient',
];

/** `import { A, B as C } from '@aws-sdk/client-lambda'` and `export { ... } from` it; type-only ones are left out (erased). */
const LAMBDA_CLIENT_IMPORT = /\b(?:import|export)\s+(type\s+)?\{([^}]*)\}\s*from\s*['"]@aws-sdk\/client-lambda['"]/g;

/** What decides a function's aliases: SwitchyardFunctionProps' fields of the same names. */
export interface BundleAliasOptions {
  readonly entry: string;
  readonly durableLambdaClient?: boolean;
  readonly wrappedHandler?: string;
  readonly eventStreams?: boolean;
}

/**
 * The modules esbuild bundles in place of others for a SwitchyardFunction (its `alias`: import
 * path -> file). Not exported from the package: SwitchyardFunction passes them to esbuild, and
 * the tests build with them.
 */
export function bundleAliases(props: BundleAliasOptions): Record<string, string> {
  return {
    // Lambda gives a function its credentials in the environment, so the SDK's default
    // credential chain (SSO, INI files, credential_process, web identity, the container and
    // instance metadata endpoints, and the STS/SSO clients they carry) is replaced by the
    // environment provider alone: ~100 KB and ~30 ms off every cold start. The local
    // runtime sets the same variables for the functions it runs.
    '@aws-sdk/credential-provider-node': packagedHandlerEntry('kit/lambda-credentials'),
    ...(props.durableLambdaClient
      ? {
          '@aws-sdk/client-lambda': packagedHandlerEntry('kit/durable-lambda-client'),
          // The subset's own imports (typed through the declarations' paths) reach the package's
          // modules; esbuild takes the longest alias that matches, so they escape the one above.
          '@aws-sdk/client-lambda/dist-types': path.join(lambdaClientPackage(props.wrappedHandler ?? props.entry), 'dist-es'),
        }
      : {}),
    ...(props.eventStreams === false ? { '@smithy/core/event-streams': packagedHandlerEntry('kit/no-event-streams') } : {}),
    // The app's durable handler, which the kit's DurableFlow entry (kit/durable-flow-entry) wraps.
    ...(props.wrappedHandler ? { 'switchyard-cdk/durable-flow-handler': props.wrappedHandler } : {}),
  };
}

/**
 * Fails synthesis, naming `durableLambdaClient: false`, when the handler's file imports from
 * `@aws-sdk/client-lambda` a name the durable subset does not export. esbuild would fail the
 * bundle too, but with `No matching export in ".../durable-lambda-client"`, which names
 * neither the option nor the construct. A name imported by another file of the handler is
 * caught at bundling instead (SwitchyardFunction then names the option beside esbuild's error).
 */
export function checkDurableLambdaClientImports(subject: ValidationSubject, file: string): void {
  // A missing entry is NodejsFunction's to report, with its own message.
  if (!existsSync(file)) return;
  const source = readFileSync(file, 'utf8');
  const missing = new Set<string>();
  for (const [, typeOnly, names = ''] of source.matchAll(LAMBDA_CLIENT_IMPORT)) {
    if (typeOnly) continue;
    for (const specifier of names.split(',')) {
      const [name = ''] = specifier.trim().split(/\s+as\s+/);
      if (name === '' || name.startsWith('type ')) continue;
      if (!DURABLE_LAMBDA_CLIENT_EXPORTS.includes(name)) missing.add(name);
    }
  }
  if (missing.size === 0) return;
  invalidProp(
    subject,
    `${path.basename(file)} imports ${[...missing].join(', ')} from @aws-sdk/client-lambda, which the kit's durable subset of the client (durableLambdaClient) does not have; it has ${DURABLE_LAMBDA_CLIENT_EXPORTS.join(', ')}. Set durableLambdaClient: false on the handler to bundle the whole client.`,
  );
}

/** The directory of the `@aws-sdk/client-lambda` the handler's entry imports, else the one this package depends on. */
function lambdaClientPackage(entry: string): string {
  for (const from of [entry, import.meta.filename]) {
    try {
      return path.dirname(createRequire(from).resolve('@aws-sdk/client-lambda/package.json'));
    } catch {
      // not resolvable from there: try the next
    }
  }
  throw new Error(
    'durableLambdaClient: @aws-sdk/client-lambda is not installed (the handler entry cannot resolve it, nor can switchyard-cdk)',
  );
}
