import { App, Duration, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { tempAssemblyDir } from './assembly.js';

/**
 * Synthesizes a CDK app of one stack, `stackId` in account 000000000000 and us-east-1, as
 * `cdk synth` would: `build` adds the stack's constructs. Writes into `outdir` (a folder of
 * its own by default) and returns it, for `LocalRuntime.start({ cdkOut })`.
 */
export function synthStack(stackId: string, build: (stack: Stack) => void, outdir = tempAssemblyDir()): string {
  const app = new App({ outdir });
  build(new Stack(app, stackId, { env: { account: '000000000000', region: 'us-east-1' } }));
  app.synth();
  return outdir;
}

/** A Node.js function of `stack` whose code is `code` inline (`exports.handler = ...`), with a 5 s timeout. */
export function inlineFunction(stack: Stack, id: string, code: string): lambda.Function {
  return new lambda.Function(stack, id, {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline(code),
    timeout: Duration.seconds(5),
  });
}
