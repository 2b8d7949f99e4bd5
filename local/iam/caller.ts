import { AsyncLocalStorage } from 'node:async_hooks';

/** What the endpoint knows of a request's caller while a service answers it. */
export interface Caller {
  /** The access key the request is signed with (SigV4 `Credential=` or a presigned URL's `X-Amz-Credential`). */
  readonly accessKeyId?: string;
}

const callers = new AsyncLocalStorage<Caller>();

/** Runs `answer` as the request of this caller (the endpoint, per request). */
export function asCaller<T>(caller: Caller, answer: () => T): T {
  return callers.run(caller, answer);
}

/** The caller of the request being answered; undefined outside one (a service's own work: deliveries, sweeps). */
export function currentCaller(): Caller | undefined {
  return callers.getStore();
}

/** The access key of a request's SigV4 `Authorization` header or presigned query. */
export function accessKeyOf(authorization: string | undefined, url: string | undefined): string | undefined {
  const signed = authorization === undefined ? undefined : /Credential=([^/,\s]+)\//.exec(authorization)?.[1];
  if (signed !== undefined) return signed;
  const presigned = url === undefined ? undefined : /[?&]X-Amz-Credential=([^%/&]+)(?:%2F|\/)/i.exec(url)?.[1];
  return presigned;
}
