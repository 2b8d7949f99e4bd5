import { apiOperations } from '../service-registry/operation-table.js';
import type { ServiceModule } from '../service-registry/service-module.js';
import { Ec2Service } from './ec2-service.js';
import { ec2Iam } from './iam-authorizations.js';
import { Ec2QueryProtocol } from './query-protocol.js';
import { EC2_TYPE_SPECS, NETWORK_NOT_MODELLED } from './resource-types.js';

declare module '../service-registry/service-module.js' {
  interface ServiceTypes {
    ec2: Ec2Service;
  }
}

/** The API models it serves (`apis`), for the endpoint's model loader. */
declare module '../endpoint/validation/model.js' {
  interface ApiModels {
    ec2: 'ec2';
  }
}

const EC2_TYPES = Object.keys(EC2_TYPE_SPECS);

/**
 * EC2's VPCs, subnets and security groups (ec2-service.ts): the account's default VPC, the
 * template's network under the ids its references resolve to, and what the API makes. Nothing
 * routes traffic: one start-up line says so when an app has network resources.
 */
export const ec2Module: ServiceModule<'ec2'> = {
  name: 'ec2',
  iam: ec2Iam,
  // The operations it serves are Ec2Service's methods.
  apis: [{ model: 'ec2', operations: apiOperations(Ec2Service), protocolFromModel: true }],
  sdkClients: [{ package: '@aws-sdk/client-ec2', serviceId: 'EC2' }],
  databases: ['ec2'],
  needs: ['template'],
  resourceTypes: EC2_TYPE_SPECS,
  reloads: { types: ['AWS::EC2::VPC', 'AWS::EC2::Subnet', 'AWS::EC2::SecurityGroup'], removals: true },
  create({ services, settings, database, warn }) {
    const ec2 = new Ec2Service(database('ec2'), { region: settings.region, accountId: settings.accountId });
    return {
      service: ec2,
      mounts: { query: [new Ec2QueryProtocol(ec2)] },
      start: () => {
        const { app } = services.get('template');
        ec2.declare(app);
        if (app.stacks.some((stack) => stack.resources.some((r) => EC2_TYPES.includes(r.type)))) warn([NETWORK_NOT_MODELLED]);
      },
      reload: () => {
        ec2.declare(services.get('template').app);
        return { reloaded: [] };
      },
    };
  },
};
