import type { PolicyDocument, PolicyStatement } from '../../../local/iam/policy-store.js';
import { SERVICE_MODULES } from '../../../local/service-registry/modules.js';
import { ServiceRegistry } from '../../../local/service-registry/registry.js';
import type { LoadedApp, LoadedResource } from '../../../local/template/load.js';

/** How the runtime's modules read resource policies from a template (what IAM's store is given). */
export const RESOURCE_POLICIES = ServiceRegistry.resourcePolicies(SERVICE_MODULES);

export const ACCOUNT = '111111111111';
export const OTHER_ACCOUNT = '222222222222';
export const REGION = 'us-east-1';

/** A loaded resource as the template loader hands it out, its intrinsics already resolved. */
export function resource(
  logicalId: string,
  type: string,
  properties: Record<string, unknown>,
  identity: { ref?: string; attributes?: Record<string, string> } = {},
): LoadedResource {
  return {
    stackName: 'App',
    logicalId,
    type,
    properties: properties as LoadedResource['properties'],
    physicalName: identity.ref ?? logicalId,
    ref: identity.ref ?? logicalId,
    attributes: identity.attributes ?? {},
    metadata: {},
  };
}

/** A role as the loader names it: its Ref the name, its Arn with the path. */
export function role(logicalId: string, name: string, properties: Record<string, unknown> = {}, path = '/'): LoadedResource {
  return resource(
    logicalId,
    'AWS::IAM::Role',
    { AssumeRolePolicyDocument: { Statement: [] }, ...properties },
    { ref: name, attributes: { Arn: `arn:aws:iam::${ACCOUNT}:role${path}${name}`, RoleId: `AROA${name}` } },
  );
}

export function queue(logicalId: string, name: string, account = ACCOUNT): LoadedResource {
  return resource(
    logicalId,
    'AWS::SQS::Queue',
    {},
    { ref: `http://localhost:4566/${account}/${name}`, attributes: { Arn: `arn:aws:sqs:${REGION}:${account}:${name}`, QueueName: name } },
  );
}

export function app(...resources: LoadedResource[]): LoadedApp {
  return {
    stacks: [
      {
        stackName: 'App',
        resources,
        outputs: {},
        exports: {},
        description: {} as LoadedApp['stacks'][number]['description'],
        template: {},
      },
    ],
    warnings: [],
  };
}

/** An identity policy document allowing (or denying) actions on resources. */
export function statement(
  effect: 'Allow' | 'Deny',
  action: string | string[],
  resourceArn: string | string[],
  extra: Record<string, unknown> = {},
) {
  return { Effect: effect, Action: action, Resource: resourceArn, ...extra };
}

/** A policy document of the statements given, typed as the store's documents (the tests also hand it malformed ones). */
export const doc = (...statements: unknown[]): PolicyDocument => ({ Version: '2012-10-17', Statement: statements as PolicyStatement[] });
