import {
  ALPHANUMERIC_DASH_UNDERSCORE,
  base32,
  type IdentityInput,
  namedOnly,
  type ResourceTypes,
  type TypeSpec,
  type TypeSpecs,
  text,
} from '../template/resource-spec.js';

/** API Gateway ids are 10 lower-case letters and digits. */
function apiId(input: IdentityInput): string {
  return base32(`${input.stackName}/${input.logicalId}`)
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '0')
    .slice(0, 10);
}

/** REST and HTTP APIs and the resources that make them up: ids as API Gateway forms them, so references resolve. */
function apiGatewayTypeSpecs(): TypeSpecs {
  const id = { max: 10, invalid: /[^a-z0-9]/g };
  const withId = (attribute?: string): TypeSpec => ({
    name: id,
    generate: apiId,
    identify: (_, value) => ({ ref: value, attributes: attribute === undefined ? {} : { [attribute]: value } }),
  });
  const stage: TypeSpec = {
    name: { property: 'StageName', max: 128, invalid: ALPHANUMERIC_DASH_UNDERSCORE },
    identify: (_, name) => ({ ref: name, attributes: {} }),
  };
  return {
    'AWS::ApiGateway::RestApi': {
      name: id,
      generate: apiId,
      identify: (input, restApiId) => {
        return {
          ref: restApiId,
          attributes: { RestApiId: restApiId, RootResourceId: base32(`${input.stackName}/${input.logicalId}/`).toLowerCase().slice(0, 10) },
        };
      },
    },
    'AWS::ApiGateway::Resource': withId('ResourceId'),
    'AWS::ApiGateway::Method': withId(),
    'AWS::ApiGateway::Deployment': withId('DeploymentId'),
    'AWS::ApiGateway::Stage': stage,
    'AWS::ApiGateway::Account': withId(),
    'AWS::ApiGateway::Authorizer': withId('AuthorizerId'),
    'AWS::ApiGateway::Model': {
      name: { property: 'Name', max: 128, invalid: /[^A-Za-z0-9]/g },
      identify: (_, name) => ({ ref: name, attributes: {} }),
    },
    'AWS::ApiGateway::RequestValidator': withId('RequestValidatorId'),
    'AWS::ApiGateway::ApiKey': withId('APIKeyId'),
    'AWS::ApiGateway::UsagePlan': withId('Id'),
    'AWS::ApiGateway::UsagePlanKey': withId('Id'),
    'AWS::ApiGateway::GatewayResponse': withId('Id'),
    'AWS::ApiGateway::BasePathMapping': withId(),
    'AWS::ApiGateway::DomainName': {
      name: { property: 'DomainName', max: 253, invalid: /[^a-z0-9.-]/g },
      identify: (input, name) => ({
        ref: name,
        attributes: {
          DistributionDomainName: `${apiId(input)}.cloudfront.net`,
          RegionalDomainName: `d-${apiId(input)}.execute-api.${input.region}.amazonaws.com`,
        },
      }),
    },
    'AWS::ApiGatewayV2::Api': {
      name: id,
      generate: apiId,
      identify: (input, value) => {
        const websocket = text(input.properties, 'ProtocolType') === 'WEBSOCKET';
        return {
          ref: value,
          attributes: { ApiId: value, ApiEndpoint: `${websocket ? 'wss' : 'https'}://${value}.execute-api.${input.region}.amazonaws.com` },
        };
      },
    },
    'AWS::ApiGatewayV2::Stage': stage,
    'AWS::ApiGatewayV2::Integration': withId('IntegrationId'),
    'AWS::ApiGatewayV2::Route': withId('RouteId'),
    'AWS::ApiGatewayV2::Authorizer': withId('AuthorizerId'),
    'AWS::ApiGatewayV2::Deployment': withId('DeploymentId'),
    'AWS::ApiGatewayV2::VpcLink': withId('VpcLinkId'),
    'AWS::ApiGatewayV2::ApiMapping': withId('ApiMappingId'),
  };
}

/** The types whose return values the loader gives but that the local API Gateway does not serve (custom domains, VPC links). */
const NOT_SERVED = new Set([
  'AWS::ApiGateway::DomainName',
  'AWS::ApiGateway::BasePathMapping',
  'AWS::ApiGatewayV2::VpcLink',
  'AWS::ApiGatewayV2::ApiMapping',
]);

/** API Gateway's resource types as the template loader names them, and the ones it does not serve. */
export const API_GATEWAY_RESOURCE_TYPES: ResourceTypes = Object.fromEntries(
  Object.entries(apiGatewayTypeSpecs()).map(([type, spec]) => [type, NOT_SERVED.has(type) ? namedOnly(spec) : spec]),
);
