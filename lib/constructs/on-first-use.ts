import { createRequire } from 'node:module';

const requireHere = createRequire(import.meta.url);

/**
 * A CommonJS module (an aws-cdk-lib service, cdk-monitoring-constructs) required when a
 * construct first needs it, rather than imported with `switchyard-cdk/constructs`: Node's ES
 * import of a CommonJS module reads every one of its exports, and reading an aws-cdk-lib
 * service's exports loads all of its files, so the constructs' entry would load the services of
 * constructs an app never makes. require() leaves them as lazy as aws-cdk-lib means them to be
 * (measured on the scaffold: the webhook, schedule, file, pipe and Custom Event Bus constructs'
 * services were 137 modules, and cdk-monitoring-constructs 217, of every synthesis). The types
 * stay `import type` of the same module.
 */
export function onFirstUse<T>(specifier: string): () => T {
  let loaded: T | undefined;
  return () => {
    loaded ??= requireHere(specifier) as T;
    return loaded;
  };
}
