import type { ServiceModule } from '../services/service-module.js';
import { EC2_TYPE_SPECS, NETWORK_NOT_MODELLED } from './resource-types.js';

/** The app's network resources: accepted with placeholder ids, not modelled (resource-types.ts). */
export interface Ec2Network {
  /** The template's VPC resources, `<stack>/<logicalId>`. */
  readonly resources: readonly string[];
}

declare module '../services/service-module.js' {
  interface ServiceTypes {
    ec2: Ec2Network;
  }
}

const EC2_TYPES = Object.keys(EC2_TYPE_SPECS);

/** VPCs, subnets, security groups and the rest: no service runs them; one start-up line says so when an app has any. */
export const ec2Module: ServiceModule<'ec2'> = {
  name: 'ec2',
  needs: ['template'],
  resourceTypes: EC2_TYPE_SPECS,
  create({ services, warn }) {
    const resources = services
      .get('template')
      .app.stacks.flatMap((stack) =>
        stack.resources.filter((r) => EC2_TYPES.includes(r.type)).map((r) => `${stack.stackName}/${r.logicalId}`),
      );
    if (resources.length > 0) warn([NETWORK_NOT_MODELLED]);
    return { service: { resources } };
  },
};
