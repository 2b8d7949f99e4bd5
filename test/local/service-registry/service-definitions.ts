import type { ServiceDefinitions } from '../../../local/service-registry/service-definitions.js';

/** The service definitions of an app with nothing in it but `overrides`. */
export function appDefinitions(overrides: Partial<ServiceDefinitions> = {}): ServiceDefinitions {
  return {
    queues: [],
    tables: [],
    functions: [],
    sqsMappings: [],
    functionUrls: [],
    layerFolders: {},
    invokedByServices: [],
    buses: [],
    rules: [],
    archives: [],
    stateMachines: [],
    warnings: [],
    ...overrides,
  };
}
