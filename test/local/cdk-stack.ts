import { App, Stack } from 'aws-cdk-lib';
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
