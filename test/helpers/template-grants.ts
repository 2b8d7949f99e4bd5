import type { Template } from 'aws-cdk-lib/assertions';
import { expect } from 'vitest';

/** The logical id of the one resource of `type` whose id starts with `prefix`. */
export function idOf(template: Template, type: string, prefix: string): string {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.startsWith(prefix));
  expect(ids, `${type} ${prefix}`).toHaveLength(1);
  return ids[0] as string;
}

/**
 * A policy's DynamoDB grants as `action table`, sorted, whether its statements are merged or
 * not (the app minimizes its policies, a test stack does not).
 */
export function dynamoDbGrants(template: Template, policyPrefix: string): string[] {
  const policy = template.findResources('AWS::IAM::Policy')[idOf(template, 'AWS::IAM::Policy', policyPrefix)];
  const statements = (policy?.Properties.PolicyDocument.Statement ?? []) as { Action: string | string[]; Resource: unknown }[];
  const tableOf = (resource: unknown) => (resource as { 'Fn::GetAtt'?: string[] })['Fn::GetAtt']?.[0] ?? JSON.stringify(resource);
  return statements
    .flatMap((s) =>
      [s.Action]
        .flat()
        .flatMap((action) => (action.startsWith('dynamodb:') ? [s.Resource].flat().map((r) => `${action} ${tableOf(r)}`) : [])),
    )
    .sort();
}
