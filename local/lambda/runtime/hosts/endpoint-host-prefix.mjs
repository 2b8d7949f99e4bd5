// Some API operations send their requests to a host prefixed with a label from the
// service model (Step Functions' StartSyncExecution goes to `sync-<host>`), which SDKs add
// to custom endpoints too. On AWS those hosts exist; here `sync-127.0.0.1` resolves nowhere,
// so function code calling such an operation on the local endpoint would fail. Inside the
// function's worker, names made of a label and the endpoint's host resolve as that host.
// Plain JavaScript: the worker thread loads it without the TypeScript loader.
import dns from 'node:dns';

/** @param {string | undefined} endpointUrl the endpoint functions are given (AWS_ENDPOINT_URL) */
export function resolveHostPrefixes(endpointUrl) {
  if (!endpointUrl) return;
  let endpointHost;
  try {
    endpointHost = new URL(endpointUrl).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return;
  }
  const lookup = dns.lookup;
  dns.lookup = function lookupWithPrefixes(hostname, ...rest) {
    const prefixed = typeof hostname === 'string' && /^[a-z0-9-]+[-.]/i.test(hostname) && hostname !== endpointHost;
    const isPrefixOf = prefixed && (hostname.endsWith(`-${endpointHost}`) || hostname.endsWith(`.${endpointHost}`));
    return lookup.call(this, isPrefixOf ? endpointHost : hostname, ...rest);
  };
}
