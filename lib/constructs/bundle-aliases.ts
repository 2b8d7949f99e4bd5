import { createRequire } from 'node:module';
import * as path from 'node:path';
import { packagedHandlerEntry } from './handler-entry.js';

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
