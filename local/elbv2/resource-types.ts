import { createHash } from 'node:crypto';
import { arn, generatedName, NO_RETURN_VALUES, type ResourceTypes, text } from '../template/resource-spec.js';

/** Load balancer and target group names: up to 32 letters, digits and hyphens. */
const ELB_NAME = { max: 32, invalid: /[^A-Za-z0-9-]/g };

/** The 16 hex digits AWS ends a load balancer's, listener's and target group's ARN with, stable for a resource. */
const hexId = (seed: string): string => createHash('sha256').update(seed).digest('hex').slice(0, 16);

/** The Route 53 hosted zone of Application Load Balancers in us-east-1 (other regions have their own; nothing reads it locally). */
const ALB_HOSTED_ZONE = 'Z35SXDOTRQ7X7K';

/**
 * The DNS name AWS gives an Application Load Balancer: `<name>-<digits>.<region>.elb.amazonaws.com`,
 * `internal-` before it for an internal one; the local URLs (module.ts) stand in for it.
 */
export function loadBalancerDnsName(name: string, fullName: string, region: string, internal: boolean): string {
  const digits = String(Number.parseInt(createHash('sha256').update(fullName).digest('hex').slice(0, 8), 16)).padStart(10, '0');
  return `${internal ? 'internal-' : ''}${name}-${digits}.${region}.elb.amazonaws.com`;
}

/**
 * Elastic Load Balancing v2's resource types as the template loader names them: what Ref and
 * Fn::GetAtt return, as CloudFormation documents them (an Application Load Balancer's
 * `SecurityGroups`, a list, is not given).
 */
export const ELBV2_RESOURCE_TYPES: ResourceTypes = {
  'AWS::ElasticLoadBalancingV2::LoadBalancer': {
    name: { property: 'Name', ...ELB_NAME },
    generate: (input) => generatedName(input.stackName, input.logicalId, 32, ELB_NAME.invalid).replace(/^-+|-+$/g, ''),
    identify: (input, name) => {
      const kind = input.properties.Type === 'network' ? 'net' : input.properties.Type === 'gateway' ? 'gwy' : 'app';
      const fullName = `${kind}/${name}/${hexId(`${input.stackName}/${input.logicalId}`)}`;
      const loadBalancerArn = arn(input, 'elasticloadbalancing', `loadbalancer/${fullName}`);
      const dnsName = loadBalancerDnsName(name, fullName, input.region, input.properties.Scheme === 'internal');
      return {
        ref: loadBalancerArn,
        attributes: {
          LoadBalancerArn: loadBalancerArn,
          LoadBalancerFullName: fullName,
          LoadBalancerName: name,
          DNSName: dnsName,
          CanonicalHostedZoneID: ALB_HOSTED_ZONE,
        },
      };
    },
  },
  'AWS::ElasticLoadBalancingV2::Listener': {
    name: { max: 255, invalid: /[^A-Za-z0-9-]/g },
    identify: (input) => {
      // listener/app/<lb-name>/<lb-id>/<listener-id>: the load balancer's ARN with `listener` for `loadbalancer`.
      const lb = (text(input.properties, 'LoadBalancerArn') ?? '').split(':loadbalancer/')[1] ?? 'app/unknown/0';
      const listenerArn = arn(input, 'elasticloadbalancing', `listener/${lb}/${hexId(`${input.stackName}/${input.logicalId}`)}`);
      return { ref: listenerArn, attributes: { ListenerArn: listenerArn } };
    },
  },
  'AWS::ElasticLoadBalancingV2::ListenerRule': {
    name: { max: 255, invalid: /[^A-Za-z0-9-]/g },
    identify: (input) => {
      const listener = (text(input.properties, 'ListenerArn') ?? '').split(':listener/')[1] ?? 'app/unknown/0/0';
      const ruleArn = arn(input, 'elasticloadbalancing', `listener-rule/${listener}/${hexId(`${input.stackName}/${input.logicalId}`)}`);
      return { ref: ruleArn, attributes: { RuleArn: ruleArn, IsDefault: 'false' } };
    },
  },
  'AWS::ElasticLoadBalancingV2::TargetGroup': {
    name: { property: 'Name', ...ELB_NAME },
    generate: (input) => generatedName(input.stackName, input.logicalId, 32, ELB_NAME.invalid).replace(/^-+|-+$/g, ''),
    identify: (input, name) => {
      const fullName = `targetgroup/${name}/${hexId(`${input.stackName}/${input.logicalId}`)}`;
      const targetGroupArn = arn(input, 'elasticloadbalancing', fullName);
      return {
        ref: targetGroupArn,
        attributes: { TargetGroupArn: targetGroupArn, TargetGroupFullName: fullName, TargetGroupName: name },
      };
    },
  },
  // A listener's extra certificates: the local front door speaks plain HTTP, so there is nothing to serve them with.
  'AWS::ElasticLoadBalancingV2::ListenerCertificate': NO_RETURN_VALUES,
};
