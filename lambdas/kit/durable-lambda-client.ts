/**
 * What a durable function's bundle, and its starter's, holds in place of `@aws-sdk/client-lambda`
 * (an esbuild alias, SwitchyardFunction's `durableLambdaClient`, which DurableFlow sets for both):
 * the client and the operations they send. The durable execution SDK
 * (`@aws/durable-execution-sdk-js`) loads the client with `import('@aws-sdk/client-lambda')` and
 * reads `LambdaClient`, `GetDurableExecutionStateCommand` and `CheckpointDurableExecutionCommand`;
 * the starter sends `InvokeCommand` and tests `DurableExecutionAlreadyStartedException`; a
 * DurableFlow's fork reads its parent with `GetDurableExecutionHistoryCommand` (durable-forks.ts).
 *
 * Why not the package's own modules: its dynamic import keeps every export of the package in a
 * one-file bundle (the aggregated `Lambda` client, every command, waiter, paginator and enum),
 * and the client's configuration imports the module that holds all ~420 schemas of the service
 * and registers every error class, which esbuild cannot leave out (computed keys). Together
 * ~110 KB the functions never run. This module is the package's `LambdaClient` and its Node
 * configuration, line for line, with the schemas of these operations only
 * (durable-lambda-schemas.ts, generated from the installed client by
 * scripts/generate-lambda-subset.mjs; test/lambdas/durable-lambda-schemas.test.ts fails when
 * either drifts from the SDK). A Lambda error other than the one exported here arrives as a
 * `LambdaServiceException` with AWS's `name`, `message`, status code and fields: what the durable
 * SDK classifies checkpoint failures by.
 *
 * A handler bundled with it that imports from `@aws-sdk/client-lambda` a name not exported here
 * fails the build (esbuild: No matching export), never at run time: export the name here, or set
 * `durableLambdaClient: false` on the function. (esbuild only warns about a name read from a
 * namespace import, `import * as lambda`: import by name.)
 *
 * The paths name `dist-types/` so that TypeScript finds their declarations; SwitchyardFunction
 * aliases `@aws-sdk/client-lambda/dist-types` to the package's `dist-es/`, from the copy the
 * handler's entry resolves. Not exported from `switchyard-cdk/kit`: only the bundler reads it.
 */

import {
  defaultLambdaHttpAuthSchemeParametersProvider,
  resolveHttpAuthSchemeConfig,
} from '@aws-sdk/client-lambda/dist-types/auth/httpAuthSchemeProvider.js';
import { _ep0, _mw0, command } from '@aws-sdk/client-lambda/dist-types/commandBuilder.js';
import type {
  CheckpointDurableExecutionCommandInput,
  CheckpointDurableExecutionCommandOutput,
} from '@aws-sdk/client-lambda/dist-types/commands/CheckpointDurableExecutionCommand.js';
import type {
  GetDurableExecutionHistoryCommandInput,
  GetDurableExecutionHistoryCommandOutput,
} from '@aws-sdk/client-lambda/dist-types/commands/GetDurableExecutionHistoryCommand.js';
import type {
  GetDurableExecutionStateCommandInput,
  GetDurableExecutionStateCommandOutput,
} from '@aws-sdk/client-lambda/dist-types/commands/GetDurableExecutionStateCommand.js';
import type { InvokeCommandInput, InvokeCommandOutput } from '@aws-sdk/client-lambda/dist-types/commands/InvokeCommand.js';
import { resolveClientEndpointParameters } from '@aws-sdk/client-lambda/dist-types/endpoint/EndpointParameters.js';
import type { LambdaClientConfig, LambdaClientResolvedConfig } from '@aws-sdk/client-lambda/dist-types/LambdaClient.js';
import { resolveRuntimeExtensions } from '@aws-sdk/client-lambda/dist-types/runtimeExtensions.js';
import {
  getHostHeaderPlugin,
  getLoggerPlugin,
  getRecursionDetectionPlugin,
  getUserAgentPlugin,
  resolveHostHeaderConfig,
  resolveUserAgentConfig,
} from '@aws-sdk/core/client';
import { DefaultIdentityProviderConfig, getHttpAuthSchemeEndpointRuleSetPlugin, getHttpSigningPlugin } from '@smithy/core';
import { Client } from '@smithy/core/client';
import { resolveRegionConfig } from '@smithy/core/config';
import { resolveEndpointConfig } from '@smithy/core/endpoints';
import { resolveEventStreamSerdeConfig } from '@smithy/core/event-streams';
import { getContentLengthPlugin } from '@smithy/core/protocols';
import { getRetryPlugin, resolveRetryConfig } from '@smithy/core/retry';
import { getSchemaSerdePlugin } from '@smithy/core/schema';
import type { HttpHandlerOptions } from '@smithy/types';
import { getRuntimeConfig } from './durable-lambda-config.js';
import {
  CheckpointDurableExecutionSchema,
  GetDurableExecutionHistorySchema,
  GetDurableExecutionStateSchema,
  InvokeSchema,
} from './durable-lambda-schemas.js';

export { DurableExecutionAlreadyStartedException } from '@aws-sdk/client-lambda/dist-types/models/errors.js';

// biome-ignore lint/suspicious/noExplicitAny: the package's own ServiceInputTypes/ServiceOutputTypes union, narrowed to what this client sends
type Io = any;

/** The package's `LambdaClient`: the same configuration steps and middleware, in the same order. */
export class LambdaClient extends Client<HttpHandlerOptions, Io, Io, LambdaClientResolvedConfig> {
  override readonly config: LambdaClientResolvedConfig;

  constructor(...[configuration]: [LambdaClientConfig] | []) {
    const config0 = getRuntimeConfig(configuration || {});
    super(config0 as never);
    this.initConfig = config0;
    const config1 = resolveClientEndpointParameters(config0);
    const config2 = resolveUserAgentConfig(config1);
    const config3 = resolveRetryConfig(config2);
    const config4 = resolveRegionConfig(config3);
    const config5 = resolveHostHeaderConfig(config4);
    const config6 = resolveEndpointConfig(config5);
    const config7 = resolveEventStreamSerdeConfig(config6);
    const config8 = resolveHttpAuthSchemeConfig(config7 as Parameters<typeof resolveHttpAuthSchemeConfig>[0]);
    const config9 = resolveRuntimeExtensions(config8, configuration?.extensions || []);
    this.config = config9 as LambdaClientResolvedConfig;
    this.middlewareStack.use(getSchemaSerdePlugin(this.config));
    this.middlewareStack.use(getUserAgentPlugin(this.config));
    this.middlewareStack.use(getRetryPlugin(this.config));
    this.middlewareStack.use(getContentLengthPlugin(this.config));
    this.middlewareStack.use(getHostHeaderPlugin(this.config));
    this.middlewareStack.use(getLoggerPlugin(this.config));
    this.middlewareStack.use(getRecursionDetectionPlugin(this.config));
    this.middlewareStack.use(
      getHttpAuthSchemeEndpointRuleSetPlugin(this.config, {
        httpAuthSchemeParametersProvider: defaultLambdaHttpAuthSchemeParametersProvider,
        identityProviderConfigProvider: async (config) => new DefaultIdentityProviderConfig({ 'aws.auth#sigv4': config.credentials }),
      }),
    );
    this.middlewareStack.use(getHttpSigningPlugin(this.config));
  }

  override destroy(): void {
    super.destroy();
  }
}

export class CheckpointDurableExecutionCommand extends command<
  CheckpointDurableExecutionCommandInput,
  CheckpointDurableExecutionCommandOutput
>(_ep0, _mw0, 'CheckpointDurableExecution', CheckpointDurableExecutionSchema) {}

export class GetDurableExecutionHistoryCommand extends command<
  GetDurableExecutionHistoryCommandInput,
  GetDurableExecutionHistoryCommandOutput
>(_ep0, _mw0, 'GetDurableExecutionHistory', GetDurableExecutionHistorySchema) {}

export class GetDurableExecutionStateCommand extends command<GetDurableExecutionStateCommandInput, GetDurableExecutionStateCommandOutput>(
  _ep0,
  _mw0,
  'GetDurableExecutionState',
  GetDurableExecutionStateSchema,
) {}

export class InvokeCommand extends command<InvokeCommandInput, InvokeCommandOutput>(_ep0, _mw0, 'Invoke', InvokeSchema) {}
