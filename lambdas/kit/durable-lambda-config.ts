/**
 * The Node configuration of the kit's subset of the Lambda client (durable-lambda-client.ts):
 * the package's `runtimeConfig.js` and `runtimeConfig.shared.js`, line for line, but for the
 * error registries, which come from durable-lambda-schemas.ts and not from the module that
 * holds every schema of the service, and the credential chain, which is the environment's as
 * for every function SwitchyardFunction bundles (lambda-credentials.ts).
 */
import { defaultLambdaHttpAuthSchemeProvider } from '@aws-sdk/client-lambda/dist-types/auth/httpAuthSchemeProvider.js';
import { defaultEndpointResolver } from '@aws-sdk/client-lambda/dist-types/endpoint/endpointResolver.js';
import type { LambdaClientConfig } from '@aws-sdk/client-lambda/dist-types/LambdaClient.js';
import {
  emitWarningIfUnsupportedVersion as awsCheckVersion,
  createDefaultUserAgentProvider,
  NODE_APP_ID_CONFIG_OPTIONS,
} from '@aws-sdk/core/client';
import { AwsSdkSigV4Signer, NODE_AUTH_SCHEME_PREFERENCE_OPTIONS } from '@aws-sdk/core/httpAuthSchemes';
import { AwsRestJsonProtocol } from '@aws-sdk/core/protocols';
import { Sha256 } from '@smithy/core/checksum';
import { emitWarningIfUnsupportedVersion, loadConfigsForDefaultMode, NoOpLogger } from '@smithy/core/client';
import {
  loadConfig as loadNodeConfig,
  NODE_REGION_CONFIG_FILE_OPTIONS,
  NODE_REGION_CONFIG_OPTIONS,
  NODE_USE_DUALSTACK_ENDPOINT_CONFIG_OPTIONS,
  NODE_USE_FIPS_ENDPOINT_CONFIG_OPTIONS,
  resolveDefaultsModeConfig,
} from '@smithy/core/config';
import { eventStreamSerdeProvider } from '@smithy/core/event-streams';
import { parseUrl } from '@smithy/core/protocols';
import { DEFAULT_RETRY_MODE, NODE_MAX_ATTEMPT_CONFIG_OPTIONS, NODE_RETRY_MODE_CONFIG_OPTIONS } from '@smithy/core/retry';
import { calculateBodyLength, fromBase64, fromUtf8, toBase64, toUtf8 } from '@smithy/core/serde';
import { NodeHttpHandler as RequestHandler, streamCollector } from '@smithy/node-http-handler';
import { clientVersion, errorTypeRegistries } from './durable-lambda-schemas.js';
// What SwitchyardFunction bundles in place of @aws-sdk/credential-provider-node for every function.
import { defaultProvider as credentialDefaultProvider } from './lambda-credentials.js';

/** runtimeConfig.shared.js */
function getSharedRuntimeConfig(config: LambdaClientConfig) {
  return {
    apiVersion: '2015-03-31',
    base64Decoder: config?.base64Decoder ?? fromBase64,
    base64Encoder: config?.base64Encoder ?? toBase64,
    disableHostPrefix: config?.disableHostPrefix ?? false,
    endpointProvider: config?.endpointProvider ?? defaultEndpointResolver,
    extensions: config?.extensions ?? [],
    httpAuthSchemeProvider: config?.httpAuthSchemeProvider ?? defaultLambdaHttpAuthSchemeProvider,
    httpAuthSchemes: config?.httpAuthSchemes ?? [
      {
        schemeId: 'aws.auth#sigv4',
        identityProvider: (ipc: { getIdentityProvider(id: string): unknown }) => ipc.getIdentityProvider('aws.auth#sigv4'),
        signer: new AwsSdkSigV4Signer(),
      },
    ],
    logger: config?.logger ?? new NoOpLogger(),
    protocol: config?.protocol ?? AwsRestJsonProtocol,
    protocolSettings: config?.protocolSettings ?? {
      defaultNamespace: 'com.amazonaws.lambda',
      errorTypeRegistries,
      version: '2015-03-31',
      serviceTarget: 'AWSGirApiService',
    },
    serviceId: config?.serviceId ?? 'Lambda',
    sha256: config?.sha256 ?? Sha256,
    urlParser: config?.urlParser ?? parseUrl,
    utf8Decoder: config?.utf8Decoder ?? fromUtf8,
    utf8Encoder: config?.utf8Encoder ?? toUtf8,
  };
}

/** runtimeConfig.js (Node) */
export function getRuntimeConfig(config: LambdaClientConfig) {
  emitWarningIfUnsupportedVersion(process.version);
  const defaultsMode = resolveDefaultsModeConfig(config);
  const defaultConfigProvider = () => defaultsMode().then(loadConfigsForDefaultMode);
  const clientSharedValues = getSharedRuntimeConfig(config);
  awsCheckVersion(process.version);
  const loaderConfig = {
    profile: config?.profile,
    logger: clientSharedValues.logger,
  };
  return {
    ...clientSharedValues,
    ...config,
    runtime: 'node',
    defaultsMode,
    authSchemePreference: config?.authSchemePreference ?? loadNodeConfig(NODE_AUTH_SCHEME_PREFERENCE_OPTIONS, loaderConfig),
    bodyLengthChecker: config?.bodyLengthChecker ?? calculateBodyLength,
    credentialDefaultProvider: config?.credentialDefaultProvider ?? credentialDefaultProvider,
    defaultUserAgentProvider:
      config?.defaultUserAgentProvider ?? createDefaultUserAgentProvider({ serviceId: clientSharedValues.serviceId, clientVersion }),
    eventStreamSerdeProvider: config?.eventStreamSerdeProvider ?? eventStreamSerdeProvider,
    maxAttempts: config?.maxAttempts ?? loadNodeConfig(NODE_MAX_ATTEMPT_CONFIG_OPTIONS, config),
    region: config?.region ?? loadNodeConfig(NODE_REGION_CONFIG_OPTIONS, { ...NODE_REGION_CONFIG_FILE_OPTIONS, ...loaderConfig }),
    requestHandler: RequestHandler.create(config?.requestHandler ?? defaultConfigProvider),
    retryMode:
      config?.retryMode ??
      loadNodeConfig(
        {
          ...NODE_RETRY_MODE_CONFIG_OPTIONS,
          default: async () => (await defaultConfigProvider()).retryMode || DEFAULT_RETRY_MODE,
        },
        config,
      ),
    streamCollector: config?.streamCollector ?? streamCollector,
    useDualstackEndpoint: config?.useDualstackEndpoint ?? loadNodeConfig(NODE_USE_DUALSTACK_ENDPOINT_CONFIG_OPTIONS, loaderConfig),
    useFipsEndpoint: config?.useFipsEndpoint ?? loadNodeConfig(NODE_USE_FIPS_ENDPOINT_CONFIG_OPTIONS, loaderConfig),
    userAgentAppId: config?.userAgentAppId ?? loadNodeConfig(NODE_APP_ID_CONFIG_OPTIONS, loaderConfig),
  };
}
