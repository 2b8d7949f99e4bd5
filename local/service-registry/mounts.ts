import type { OperationAuthorizer } from '../endpoint/protocols.js';
import type { EndpointMounts } from './service-module.js';

/** A module list that cannot be run: a name twice, a need no module provides, or services that need each other. */
export class ServiceOrderError extends Error {
  override readonly name = 'ServiceOrderError';
}

/**
 * A module's mounts with its IAM check: a JSON service's `authorize`, and each query and REST
 * protocol's (`authorizeWith`). A protocol that cannot take it is refused: the module
 * declares authorizations its requests would never be checked against.
 */
export function checkedMounts(name: string, mounts: EndpointMounts, authorize: OperationAuthorizer): EndpointMounts {
  const taking = <P extends { authorizeWith?(authorize: OperationAuthorizer): void }>(protocols: readonly P[] | undefined) =>
    protocols?.map((protocol) => {
      if (protocol.authorizeWith === undefined) {
        throw new ServiceOrderError(
          `${name} declares IAM authorizations, but a protocol it mounts cannot take IAM's check (authorizeWith)`,
        );
      }
      protocol.authorizeWith(authorize);
      return protocol;
    });
  const json = mounts.json?.map((service) => {
    if (service.authorize !== undefined) {
      throw new ServiceOrderError(
        `${name} mounts ${service.targetPrefix} with an authorize of its own: the registry gives it its module's IAM check`,
      );
    }
    return { ...service, authorize };
  });
  return { ...mounts, json, query: taking(mounts.query), rest: taking(mounts.rest), restFirst: taking(mounts.restFirst) };
}

export function combineMounts(all: readonly EndpointMounts[]) {
  const one = <K extends 'readApi'>(key: K): EndpointMounts[K] => {
    const found = all.flatMap((mounts) => (mounts[key] === undefined ? [] : [mounts[key]]));
    if (found.length > 1) throw new ServiceOrderError(`two services mount ${key}`);
    return found[0];
  };
  const readApi = one('readApi');
  // The read API answers what every service mounts for it (a runtime without one serves none of it).
  readApi?.mount(all.flatMap((mounts) => (mounts.reads === undefined ? [] : [mounts.reads])));
  return {
    json: all.flatMap((mounts) => mounts.json ?? []),
    rest: [...all.flatMap((mounts) => mounts.restFirst ?? []), ...all.flatMap((mounts) => mounts.rest ?? [])],
    query: all.flatMap((mounts) => mounts.query ?? []),
    passthrough: new Map(all.flatMap((mounts) => [...(mounts.passthrough ?? [])])),
    httpApis: all.flatMap((mounts) => mounts.httpApis ?? []),
    readApi,
  };
}
