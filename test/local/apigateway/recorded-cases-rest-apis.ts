import { DeleteRestApiCommand, GetRestApiCommand, GetRestApisCommand, UpdateRestApiCommand } from '@aws-sdk/client-api-gateway';
import type { Answer, Replay, ReplayContext } from './recorded-replay.js';

/**
 * The recorded tests of REST APIs themselves (TestApiGatewayApiRestApi), replayed call by
 * call as test_apigateway_api.py makes them; each returns the answers by snapshot key.
 */

type Operation = { op: string; path: string; value?: string };

/** UpdateRestApi of the API `restApiId` with `ops`. */
const update = (c: ReplayContext, restApiId: unknown, ops: Operation[]) =>
  c.call(new UpdateRestApiCommand({ restApiId: String(restApiId), patchOperations: ops as never }));

const byCreatedDate = (answer: Answer, order: readonly unknown[]): Answer => ({
  ...answer,
  items: [...((answer.items as Answer[]) ?? [])].sort((a, b) => order.indexOf(a.id) - order.indexOf(b.id)),
});

export const REST_API_CASES: Record<string, Replay> = {
  async 'TestApiGatewayApiRestApi::test_list_and_delete_apis'(c) {
    const first = await c.api({ description: 'this is my api' });
    const second = await c.api({ description: 'this is my api2' });
    const order = [first.id, second.id];
    const before = byCreatedDate(await c.call(new GetRestApisCommand({})), order);
    return {
      'create-rest-api-1': first,
      'create-rest-api-2': second,
      'get-rest-api-before-delete': before,
      'delete-rest-api': await c.call(new DeleteRestApiCommand({ restApiId: String(first.id) })),
      'get-rest-api-after-delete': await c.call(new GetRestApisCommand({})),
    };
  },

  async 'TestApiGatewayApiRestApi::test_get_api_case_insensitive'(c) {
    const created = await c.api({ description: 'lower case api' });
    return {
      'create-rest-api': created,
      'get-api-upper-case': await c.call(new GetRestApiCommand({ restApiId: String(created.id).toUpperCase() })),
    };
  },

  async 'TestApiGatewayApiRestApi::test_create_rest_api_with_optional_params'(c) {
    return {
      'create-only-name': await c.api(),
      'create-empty-desc': await c.api({ description: '' }),
      'create-with-version': await c.api({ version: 'v1' }),
      'create-with-empty-binary-media': await c.api({ binaryMediaTypes: [] }),
      'string-compression-size': await c.api({ minimumCompressionSize: -1 }),
    };
  },

  async 'TestApiGatewayApiRestApi::test_create_rest_api_with_binary_media_types'(c) {
    return { 'create-with-binary-media': await c.api({ binaryMediaTypes: ['image/png'] }) };
  },

  async 'TestApiGatewayApiRestApi::test_create_rest_api_with_tags'(c) {
    const created = await c.api({ description: 'this is my api', tags: { MY_TAG1: 'MY_VALUE1' } });
    return {
      'create-rest-api-w-tags': created,
      'get-rest-api-w-tags': await c.call(new GetRestApiCommand({ restApiId: String(created.id) })),
      'get-rest-apis-w-tags': await c.call(new GetRestApisCommand({})),
    };
  },

  async 'TestApiGatewayApiRestApi::test_update_rest_api_operation_add_remove'(c) {
    const { id } = await c.api({ description: 'this is my api' });
    return {
      'update-rest-api-add': await update(c, id, [
        { op: 'add', path: '/binaryMediaTypes/image~1png' },
        { op: 'add', path: '/binaryMediaTypes/image~1jpeg' },
      ]),
      'update-rest-api-replace': await update(c, id, [{ op: 'replace', path: '/binaryMediaTypes/image~1png', value: 'image/gif' }]),
      'update-rest-api-remove': await update(c, id, [
        { op: 'remove', path: '/binaryMediaTypes/image~1gif' },
        { op: 'remove', path: '/description' },
      ]),
    };
  },

  async 'TestApiGatewayApiRestApi::test_update_rest_api_compression'(c) {
    const { id } = await c.api({ description: 'this is my api' });
    const compression = (op: string, value: string) => update(c, id, [{ op, path: '/minimumCompressionSize', value }]);
    return {
      'enable-compression': await compression('replace', '10'),
      'disable-compression': await compression('replace', ''),
      'set-compression-zero': await compression('replace', '0'),
      'set-negative-compression': await compression('replace', '-1'),
      'set-string-compression': await compression('replace', 'test'),
      'unsupported-operation': await compression('add', '10'),
    };
  },

  async 'TestApiGatewayApiRestApi::test_update_rest_api_behaviour'(c) {
    const { id } = await c.api({ description: 'this is my api' });
    return {
      'update-rest-api-array': await update(c, id, [{ op: 'add', path: '/binaryMediaTypes/-', value: 'image/png' }]),
      'update-rest-api-add-base-path': await update(c, id, [{ op: 'add', path: '/binaryMediaTypes', value: 'image/gif' }]),
      'update-rest-api-replace-base-path': await update(c, id, [{ op: 'replace', path: '/binaryMediaTypes', value: 'image/gif' }]),
      'update-rest-api-remove-base-path': await update(c, id, [{ op: 'remove', path: '/binaryMediaTypes' }]),
    };
  },

  async 'TestApiGatewayApiRestApi::test_update_rest_api_invalid_api_id'(c) {
    return { 'not-found-update-rest-api': await update(c, 'api_id', [{ op: 'replace', path: '/apiKeySource', value: 'AUTHORIZER' }]) };
  },

  async 'TestApiGatewayApiRestApi::test_update_rest_api_concatenation_of_errors'(c) {
    const { id } = await c.api();
    const ip = { op: 'wrong', path: '/endpointConfiguration/ipAddressType', value: 'dualstack' };
    const type = { op: 'wrong', path: '/endpointConfiguration/types/0', value: 'EDGE' };
    return {
      'update-rest-api-wrong-operations-on-ipAddressType': await update(c, id, [ip, ip]),
      'update-rest-api-wrong-operations-on-type': await update(c, id, [type, type]),
      'update-rest-api-wrong-operations-on-type-and-on-ip-address-type': await update(c, id, [
        ip,
        type,
        { op: 'wrong', path: '/binaryMediaTypes', value: 'image/gif' },
      ]),
    };
  },

  async 'TestApiGatewayApiRestApi::test_update_rest_api_ip_address_type'(c) {
    const { id } = await c.api();
    const type = (op: string, value: string) => ({ op, path: '/endpointConfiguration/types/0', value });
    const ip = (op: string, value: string) => [{ op, path: '/endpointConfiguration/ipAddressType', value }];
    return {
      'update-rest-api-replace-type': await update(c, id, [
        type('replace', 'EDGE'),
        type('replace', 'REGIONAL'),
        type('replace', 'PRIVATE'),
      ]),
      'update-rest-api-replace-to-ipv4-within-private-type': await update(c, id, ip('replace', 'ipv4')),
      'update-rest-api-wrong-ipAddressType': await update(c, id, ip('replace', 'wrong')),
      'update-rest-api-wrong-type': await update(c, id, [type('replace', 'wrong')]),
      'update-rest-api-invalid-operation-on-ipAddressType': await update(c, id, ip('remove', 'dualstack')),
      'update-rest-api-invalid-operation-on-type': await update(c, id, [type('remove', 'EDGE')]),
      'update-rest-api-replace-ip-address-type': await update(c, id, ip('replace', 'dualstack')),
    };
  },

  async 'TestApiGatewayApiRestApi::test_create_rest_api_with_endpoint_configuration'(c) {
    const config = (types: string[], ipAddressType?: string) => ({ endpointConfiguration: { types, ipAddressType } as never });
    return {
      'create-with-empty-types': await c.api(config([])),
      'create-with-invalid-ip-address-type': await c.api(config(['EDGE'], 'wrong')),
      'create-with-invalid-types': await c.api(config(['wrong'], 'ipv4')),
      'create-with-invalid-ip-address-type-and-types': await c.api(config(['wrong'], 'wrong')),
      'create-with-invalid-types-and-ip-address-type': await c.api(config(['wrong'], 'wrong')),
      'create-with-multiple-errors-1': await c.api({ description: '', minimumCompressionSize: -1, ...config(['wrong'], 'wrong') }),
      'create-with-multiple-errors-2': await c.api({ description: '', minimumCompressionSize: -1, ...config(['EDGE'], 'ipv4') }),
      'create-with-two-types': await c.api(config(['EDGE', 'REGIONAL'])),
      'create-with-endpoint-config-dualstack': await c.api(config(['EDGE'], 'dualstack')),
      'create-with-endpoint-config-regional': await c.api(config(['REGIONAL'], 'ipv4')),
    };
  },

  async 'TestApiGatewayApiRestApi::test_create_rest_api_private_type'(c) {
    const config = (ipAddressType: string) => ({ endpointConfiguration: { types: ['PRIVATE'], ipAddressType } as never });
    return {
      'create-with-private-type-and-ipv4-ip-address-type': await c.api(config('ipv4')),
      'create-with-private-type-and-wrong-ip-address-type': await c.api(config('wrong')),
      'create-with-private-type-and-ipv4-ip-address-type-and-empty-description': await c.api({ description: '', ...config('ipv4') }),
    };
  },

  async 'TestApiGatewayApiRestApi::test_create_rest_api_verify_defaults'(c) {
    const types = (...list: string[]) => ({ endpointConfiguration: { types: list } as never });
    return {
      'create-with-edge-default': await c.api(types('EDGE')),
      'create-with-regional-default': await c.api(types('REGIONAL')),
      'create-with-private-default': await c.api(types('PRIVATE')),
      'create-with-empty-default': await c.api(),
      'create-with-empty-ip-address-type-and-wrong-type': await c.api({ description: '', ...types('wrong') }),
    };
  },
};
