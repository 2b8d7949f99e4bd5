import type { LocalUrl, LocalUrlContext } from '../cloudformation/local-urls.js';
import { AwsError } from '../endpoint/aws-error.js';
import type { ServiceModule } from '../service-registry/service-module.js';
import type { LoadedResource } from '../template/load.js';
import { type Elbv2Definitions, elbv2Definitions, elbv2DefinitionsOf } from './definitions.js';
import { LoadBalancers, listenerAddresses } from './load-balancers.js';
import { ELBV2_RESOURCE_TYPES } from './resource-types.js';

declare module '../service-registry/service-module.js' {
  interface ServiceTypes {
    elbv2: LoadBalancers;
  }
}

/** The load balancer invokes its Lambda targets as this service principal (the function's permission must let it in). */
const PRINCIPAL = 'elasticloadbalancing.amazonaws.com';

/**
 * Elastic Load Balancing v2's Application Load Balancers as the app's HTTP front door: each
 * listener served path-style on the endpoint (load-balancers.ts), its rules and default action
 * run, Lambda target groups invoked with the load balancer's event. No control plane is served.
 */
export const elbv2Module: ServiceModule<'elbv2', Elbv2Definitions> = {
  name: 'elbv2',
  needs: ['template', 'iam', 'lambda'],
  resourceTypes: ELBV2_RESOURCE_TYPES,
  reloads: { types: Object.keys(ELBV2_RESOURCE_TYPES), removals: true },
  localUrls: loadBalancerLocalUrls,
  definitions: elbv2Definitions,
  create({ settings, services }, definitions) {
    const { accountId, log } = settings;
    const loadBalancers = new LoadBalancers({
      loadBalancers: definitions.loadBalancers,
      targetGroups: definitions.targetGroups,
      log,
      invoke: async (fn, event) => {
        const targetGroupArn = (event as { requestContext: { elb: { targetGroupArn: string } } }).requestContext.elb.targetGroupArn;
        const refusal = await services
          .get('iam')
          .authorizeDelivery(
            { kind: 'service', service: PRINCIPAL },
            fn,
            { arn: targetGroupArn, account: accountId },
            `target group ${targetGroupArn}`,
            true,
          );
        if (refusal) return failed('AccessDeniedException', refusal.message);
        try {
          return await services.get('lambda').invoke(fn, event);
        } catch (error) {
          if (!(error instanceof AwsError)) throw error;
          return failed(error.code, error.message);
        }
      },
    });
    return {
      service: loadBalancers,
      mounts: { httpApis: [loadBalancers] },
      reload: ({ app }) => {
        const next = elbv2Definitions(app);
        loadBalancers.reload(next.loadBalancers, next.targetGroups);
        return { reloaded: next.loadBalancers.map((lb) => `load balancer ${lb.name}`) };
      },
    };
  },
  report: (loadBalancers, { url }) => {
    const addresses = listenerAddresses(loadBalancers.loadBalancers, url);
    const first = addresses[0];
    return {
      counts: { 'load balancers': loadBalancers.loadBalancers.length },
      serves: addresses.map(
        ({ loadBalancer, listener, aws, local }) =>
          `  load balancer ${loadBalancer.name} (${loadBalancer.resource}) listener ${listener.protocol}:${listener.port}: ${local}/ (${aws}/ on AWS; served as plain HTTP)`,
      ),
      // The app's front door: a request to it is what its README tries first (before invoking a function by hand).
      ...(first === undefined ? {} : { tryIt: { shell: `curl -i ${first.local}/`, rank: 3.5 } }),
    };
  },
};

/** An invocation the load balancer could not make, as the failure its caller answers 502 for. */
function failed(errorType: string, errorMessage: string) {
  return { ok: false as const, requestId: '', error: { errorType, errorMessage } };
}

/** The template's listeners at `http://<dns-name>[:<port>]`, served path-style here (`/_aws/elb/<name>/<port>`). */
function loadBalancerLocalUrls(resources: readonly LoadedResource[], { url }: LocalUrlContext): LocalUrl[] {
  const { loadBalancers } = elbv2DefinitionsOf(resources);
  return listenerAddresses(loadBalancers, url).map(({ aws, local }) => ({ aws, local }));
}
