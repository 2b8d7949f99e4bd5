/**
 * What a durable function's bundle holds in place of `@aws-sdk/client-lambda` (an esbuild alias,
 * SwitchyardFunction's `durableLambdaClient`, which DurableFlow sets for its function): the
 * client and the two commands the durable execution SDK sends.
 *
 * The durable execution SDK (`@aws/durable-execution-sdk-js`) loads the client with
 * `import('@aws-sdk/client-lambda')` and reads `LambdaClient`, `GetDurableExecutionStateCommand`
 * and `CheckpointDurableExecutionCommand` from it. A dynamic import keeps every export of the
 * package in a one-file bundle: the aggregated `Lambda` client, every command, waiter, paginator
 * and enum, and the namespace object naming them, ~51 KB the function never runs. Through this
 * module the import keeps these three names.
 *
 * A handler bundled with it that imports from `@aws-sdk/client-lambda` a name not exported here
 * fails the build (esbuild: No matching export), never at run time: export the name here, or set
 * `durableLambdaClient: false` on the function. (esbuild only warns about a name read from a
 * namespace import, `import * as lambda`: import by name.)
 *
 * The paths name `dist-types/` so that TypeScript finds their declarations; SwitchyardFunction
 * aliases `@aws-sdk/client-lambda/dist-types` to the package's `dist-es/`, the modules the
 * package's own entry re-exports, from the copy the handler's entry resolves. Not exported from
 * `switchyard-cdk/kit`: only the bundler reads it.
 */
export { CheckpointDurableExecutionCommand } from '@aws-sdk/client-lambda/dist-types/commands/CheckpointDurableExecutionCommand.js';
export { GetDurableExecutionStateCommand } from '@aws-sdk/client-lambda/dist-types/commands/GetDurableExecutionStateCommand.js';
export { LambdaClient } from '@aws-sdk/client-lambda/dist-types/LambdaClient.js';
