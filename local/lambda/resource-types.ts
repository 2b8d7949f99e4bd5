import { tryParseArn } from '../names/arn.js';
import {
  ALPHANUMERIC_DASH_UNDERSCORE,
  arn,
  base32,
  type IdentityInput,
  NO_RETURN_VALUES,
  type ResourceTypes,
  text,
  uuidOf,
} from '../template/resource-spec.js';

/** Versions and aliases take a function's name or ARN; their ARNs use the name. */
const lambdaFunctionName = (value: string | undefined): string =>
  value?.startsWith('arn:') ? (tryParseArn(value)?.resourceId ?? value) : (value ?? '');

/** A function's ARN from a `FunctionName` property, which takes a name, a partial or a full ARN. */
function functionArnOf(input: IdentityInput, functionName: string | undefined): string {
  if (functionName?.startsWith('arn:')) return functionName.replace(/:(\$LATEST|[0-9]+)$/, '');
  return arn(input, 'lambda', `function:${functionName ?? ''}`);
}

/** Lambda's resource types as the template loader names them (its module declares them). */
export const LAMBDA_RESOURCE_TYPES: ResourceTypes = {
  'AWS::Lambda::Function': {
    name: { property: 'FunctionName', max: 64, invalid: ALPHANUMERIC_DASH_UNDERSCORE },
    identify: (input, name) => ({ ref: name, attributes: { Arn: arn(input, 'lambda', `function:${name}`) } }),
  },
  'AWS::Lambda::EventSourceMapping': {
    name: { max: 36, invalid: /[^0-9a-f-]/g },
    generate: uuidOf,
    identify: (input, uuid) => ({
      ref: uuid,
      attributes: { Id: uuid, EventSourceMappingArn: arn(input, 'lambda', `event-source-mapping:${uuid}`) },
    }),
  },
  'AWS::Lambda::Permission': {
    // The name is the policy statement id; Ref is `<FunctionName as given>|<statement id>`.
    name: { max: 100, invalid: ALPHANUMERIC_DASH_UNDERSCORE },
    identify: (input, statementId) => ({
      ref: `${text(input.properties, 'FunctionName') ?? ''}|${statementId}`,
      attributes: { Id: statementId },
    }),
  },
  'AWS::Lambda::LayerVersion': {
    // Ref is the version's ARN; every template deploys a layer's first version.
    name: { property: 'LayerName', max: 140, invalid: ALPHANUMERIC_DASH_UNDERSCORE },
    identify: (input, name) => {
      const layerVersionArn = arn(input, 'lambda', `layer:${name}:1`);
      return { ref: layerVersionArn, attributes: { LayerVersionArn: layerVersionArn } };
    },
  },
  'AWS::Lambda::Version': {
    // Every template deploys a function's first version.
    name: { max: 64, invalid: ALPHANUMERIC_DASH_UNDERSCORE },
    identify: (input) => {
      const versionArn = arn(input, 'lambda', `function:${lambdaFunctionName(text(input.properties, 'FunctionName'))}:1`);
      return { ref: versionArn, attributes: { FunctionArn: versionArn, Version: '1' } };
    },
  },
  'AWS::Lambda::Alias': {
    name: { property: 'Name', max: 128, invalid: /[^A-Za-z0-9_-]/g },
    identify: (input, name) => {
      const aliasArn = arn(input, 'lambda', `function:${lambdaFunctionName(text(input.properties, 'FunctionName'))}:${name}`);
      return { ref: aliasArn, attributes: { AliasArn: aliasArn } };
    },
  },
  // Served by Lambda at the endpoint (function-urls.ts); the attribute is the URL CloudFormation returns.
  'AWS::Lambda::Url': {
    name: { max: 32, invalid: /[^a-z0-9]/g },
    identify: (input) => {
      const functionArn = functionArnOf(input, text(input.properties, 'TargetFunctionArn'));
      const urlId = base32(`${input.stackName}/${input.logicalId}`).toLowerCase().slice(0, 32);
      return {
        ref: functionArn,
        attributes: { FunctionArn: functionArn, FunctionUrl: `https://${urlId}.lambda-url.${input.region}.on.aws/` },
      };
    },
  },
  // Run by Lambda (asynchronous invocation settings) or with nothing to run (a layer's permissions grant other accounts, which call nothing locally).
  'AWS::Lambda::EventInvokeConfig': NO_RETURN_VALUES,
  'AWS::Lambda::LayerVersionPermission': NO_RETURN_VALUES,
};
