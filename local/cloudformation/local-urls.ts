import type { ServiceName } from '../service-registry/service-module.js';
import type { LoadedResource } from '../template/load.js';

/**
 * An address of the app on AWS and where the local runtime answers it: an API Gateway API's
 * `https://<api-id>.execute-api.<region>.amazonaws.com`, a function URL's
 * `https://<url-id>.lambda-url.<region>.on.aws`, each with its path-style local URL.
 */
export interface LocalUrl {
  /** The URL on AWS without a trailing slash: what the template's attributes and `Fn::Join`s make. */
  readonly aws: string;
  /** Where the endpoint serves it (`http://127.0.0.1:4566/_aws/execute-api/<api-id>`), no trailing slash. */
  readonly local: string;
}

/** Where the endpoint listens and the region it runs the app in. */
export interface LocalUrlContext {
  readonly url: string;
  readonly region: string;
}

/** A module's addresses of the template's resources it serves (what it contributes to CloudFormation's `localUrls`). */
export type LocalUrls = (resources: readonly LoadedResource[], context: LocalUrlContext) => readonly LocalUrl[];

declare module '../service-registry/service-module.js' {
  interface Contributions {
    localUrls: LocalUrls;
  }
  interface ServiceModule<N extends ServiceName = ServiceName, D = undefined> {
    /**
     * The AWS addresses of the template's resources it serves and their local URLs: DescribeStacks
     * shows an output holding one as the local URL, so that a README's `curl $API_URL` reaches
     * the local runtime (local/cloudformation collects them).
     */
    readonly localUrls?: LocalUrls;
  }
  interface RegisteredModule {
    readonly localUrls?: LocalUrls;
  }
}

/**
 * `value` with each AWS address in `urls` at its start replaced by its local URL (the rest, a
 * stage and path, kept): an output is a URL or not, so only a value that starts with one
 * changes, and only at a boundary (`/`, `?`, `#` or its end), never an address that merely
 * begins like another.
 */
export function localized(value: string, urls: readonly LocalUrl[]): string {
  for (const { aws, local } of urls) {
    if (!value.startsWith(aws)) continue;
    const rest = value.slice(aws.length);
    if (rest === '' || /^[/?#]/.test(rest)) return local + rest;
  }
  return value;
}
