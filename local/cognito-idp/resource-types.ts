import { createHash } from 'node:crypto';
import { ALPHANUMERIC_DASH_UNDERSCORE, arn, type IdentityInput, type TypeSpecs } from '../template/resource-spec.js';

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const LOWER_ALPHANUMERIC = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** `length` characters of `alphabet` derived from `seed`: the same resource gets the same id at every start. */
export function derivedId(seed: string, alphabet: string, length: number): string {
  const bytes = createHash('sha512').update(seed).digest();
  return [...bytes.subarray(0, length)].map((byte) => alphabet.charAt(byte % alphabet.length)).join('');
}

/** A user pool's id as Cognito writes it: `<region>_<9 letters and digits>`. */
export const userPoolId = (region: string, seed: string) => `${region}_${derivedId(seed, ALPHANUMERIC, 9)}`;
/** An app client's id: 26 lower-case letters and digits. */
export const clientIdOf = (seed: string) => derivedId(seed, LOWER_ALPHANUMERIC, 26);
/** An app client's secret: 51 lower-case letters and digits. */
export const clientSecretOf = (seed: string) => derivedId(`secret:${seed}`, LOWER_ALPHANUMERIC, 51);

export const userPoolArn = (partition: string, region: string, accountId: string, poolId: string) =>
  `arn:${partition}:cognito-idp:${region}:${accountId}:userpool/${poolId}`;

/** What a pool's ProviderName and ProviderURL are on AWS (the tokens' issuer there). */
export const providerName = (region: string, poolId: string) => `cognito-idp.${region}.amazonaws.com/${poolId}`;

const seedOf = (input: IdentityInput) => `${input.accountId}/${input.region}/${input.stackName}/${input.logicalId}`;

/** Cognito user pools' resource types as the template loader names them (its module declares them). */
export const COGNITO_TYPE_SPECS: TypeSpecs = {
  'AWS::Cognito::UserPool': {
    name: { property: 'UserPoolName', max: 128, invalid: /[^\w\s+=,.@-]/g },
    identify: (input) => {
      const id = userPoolId(input.region, seedOf(input));
      return {
        ref: id,
        attributes: {
          Arn: arn(input, 'cognito-idp', `userpool/${id}`),
          ProviderName: providerName(input.region, id),
          ProviderURL: `https://${providerName(input.region, id)}`,
          UserPoolId: id,
        },
      };
    },
  },
  'AWS::Cognito::UserPoolClient': {
    name: { property: 'ClientName', max: 128, invalid: /[^\w\s+=,.@-]/g },
    identify: (input, name) => {
      const id = clientIdOf(seedOf(input));
      const secret = input.properties.GenerateSecret === true || String(input.properties.GenerateSecret) === 'true';
      return { ref: id, attributes: { ClientId: id, Name: name, ...(secret ? { ClientSecret: clientSecretOf(seedOf(input)) } : {}) } };
    },
  },
  'AWS::Cognito::UserPoolGroup': {
    name: { property: 'GroupName', max: 128, invalid: /[^\w\s+=,.@-]/g },
    identify: (_input, name) => ({ ref: name, attributes: {} }),
  },
  'AWS::Cognito::UserPoolDomain': {
    name: { property: 'Domain', max: 63, invalid: ALPHANUMERIC_DASH_UNDERSCORE },
    // A prefix domain's hosted UI is not served locally; its CloudFrontDistribution has no local value.
    identify: (_input, name) => ({ ref: name, attributes: {} }),
  },
  // A resource server's scopes are what its pool's clients are allowed (AllowedOAuthScopes), which the token endpoint checks.
  'AWS::Cognito::UserPoolResourceServer': {
    name: { property: 'Identifier', max: 256, invalid: /[^\x21\x23-\x5b\x5d-\x7e]/g },
    identify: (_input, name) => ({ ref: name, attributes: {} }),
  },
};
