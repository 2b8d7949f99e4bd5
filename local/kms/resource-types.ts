import { arn, type TypeSpecs, uuidOf } from '../template/resource-spec.js';

/** KMS's resource types as the template loader names them (its module declares them). */
export const KMS_TYPE_SPECS: TypeSpecs = {
  'AWS::KMS::Key': {
    // A key has no name; its id is a UUID, derived here so a restart finds the same key.
    name: { max: 36, invalid: /[^0-9a-f-]/g },
    generate: uuidOf,
    identify: (input, keyId) => ({ ref: keyId, attributes: { Arn: arn(input, 'kms', `key/${keyId}`), KeyId: keyId } }),
  },
  'AWS::KMS::Alias': {
    name: { property: 'AliasName', max: 256, invalid: /[^A-Za-z0-9/_-]/g },
    identify: (_, name) => ({ ref: name, attributes: {} }),
  },
};
