import { createHash } from 'node:crypto';
import {
  ALPHANUMERIC_DASH_UNDERSCORE,
  generatedName,
  type IdentityInput,
  type TypeSpec,
  type TypeSpecs,
  text,
  unnamed,
} from '../template/resource-spec.js';

/** SES names (configuration sets, templates, event destinations): letters, digits, `_` and `-`, at most 64. */
const SES_NAME = { max: 64, invalid: ALPHANUMERIC_DASH_UNDERSCORE } as const;

/** A nested name property (`Template.TemplateName`), else the generated `<stack>-<logicalId>`. */
function nestedName(property: string, member: string): (input: IdentityInput) => string {
  return (input) => {
    const nested = input.properties[property];
    const given = typeof nested === 'object' && nested !== null && !Array.isArray(nested) ? text(nested, member) : undefined;
    return given ?? generatedName(input.stackName, input.logicalId, SES_NAME.max, SES_NAME.invalid);
  };
}

/**
 * Easy DKIM's three tokens of a domain, as AWS gives them (32 lower-case base32 characters),
 * derived from the identity so that a restart and every reference see the same ones.
 */
export function dkimTokens(identity: string): string[] {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  return [1, 2, 3].map((n) =>
    [...createHash('sha256').update(`${identity.toLowerCase()}/${n}`).digest()]
      .slice(0, 32)
      .map((byte) => alphabet.charAt(byte % 32))
      .join(''),
  );
}

/** The domain an identity sends for: the identity itself, or the part of an address after its last `@`. */
export function domainOf(identity: string): string {
  return identity.slice(identity.lastIndexOf('@') + 1).toLowerCase();
}

const emailIdentity: TypeSpec = {
  name: { property: 'EmailIdentity', max: 320, invalid: /[\s]/g },
  identify: (_, name) => {
    const domain = domainOf(name);
    const tokens = dkimTokens(domain);
    const attributes: Record<string, string> = {};
    tokens.forEach((token, i) => {
      attributes[`DkimDNSTokenName${i + 1}`] = `${token}._domainkey.${domain}`;
      attributes[`DkimDNSTokenValue${i + 1}`] = `${token}.dkim.amazonses.com`;
    });
    return { ref: name, attributes };
  },
};

/** A resource whose Ref is its name (and which has no attributes). */
const named = (property?: string): TypeSpec => ({
  name: { ...SES_NAME, ...(property === undefined ? {} : { property }) },
  identify: (_, name) => ({ ref: name, attributes: {} }),
});

/** SES's resource types as the template loader names them (its module declares them); return values as the CloudFormation reference gives them. */
export const SES_TYPE_SPECS: TypeSpecs = {
  'AWS::SES::EmailIdentity': emailIdentity,
  'AWS::SES::Template': {
    name: SES_NAME,
    generate: nestedName('Template', 'TemplateName'),
    // Ref and Id are the template's name.
    identify: (_, name) => ({ ref: name, attributes: { Id: name } }),
  },
  'AWS::SES::ConfigurationSet': named('Name'),
  'AWS::SES::ConfigurationSetEventDestination': {
    name: SES_NAME,
    generate: nestedName('EventDestination', 'Name'),
    identify: (_, name) => ({ ref: name, attributes: { Id: name } }),
  },
  'AWS::SES::ContactList': named('ContactListName'),
  'AWS::SES::DedicatedIpPool': named('PoolName'),
  'AWS::SES::CustomVerificationEmailTemplate': named('TemplateName'),
  'AWS::SES::ReceiptRuleSet': named('RuleSetName'),
  'AWS::SES::ReceiptRule': unnamed(64),
  'AWS::SES::ReceiptFilter': unnamed(64),
  'AWS::SES::VdmAttributes': {
    name: SES_NAME,
    identify: (_, name) => ({ ref: name, attributes: { VdmAttributesResourceId: name } }),
  },
};

/** The types SES runs: their resources are created in the local SES at start. */
export const SES_RUN_TYPES = [
  'AWS::SES::EmailIdentity',
  'AWS::SES::Template',
  'AWS::SES::ConfigurationSet',
  'AWS::SES::ConfigurationSetEventDestination',
] as const;

/** What a resource of a type SES accepts but does not run does on AWS that does not happen locally. */
export const SES_NOT_RUN: Readonly<Record<string, string>> = {
  'AWS::SES::ContactList': 'contact lists are not kept locally: list management and subscription topics do nothing',
  'AWS::SES::DedicatedIpPool': 'no dedicated IPs locally: mail is kept in the local mailbox whatever pool it names',
  'AWS::SES::CustomVerificationEmailTemplate':
    'custom verification templates are not kept locally: verification mail uses the standard text',
  'AWS::SES::ReceiptRuleSet': 'SES does not receive mail locally: receipt rules never run',
  'AWS::SES::ReceiptRule': 'SES does not receive mail locally: receipt rules never run',
  'AWS::SES::ReceiptFilter': 'SES does not receive mail locally: receipt filters never run',
  'AWS::SES::VdmAttributes': 'Virtual Deliverability Manager is not run locally',
};
