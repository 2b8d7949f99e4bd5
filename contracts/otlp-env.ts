import { OTLP_TRACES_PATH } from './wiring.js';

/**
 * The OTLP exporter settings the OpenTelemetry SDKs read from the environment
 * (https://opentelemetry.io/docs/specs/otel/protocol/exporter/), as the kit's exporter and the
 * local runtime's forwarder read them. Here because both packages carry contracts/
 * (packages/index.mjs); the one file of it the runtime may import (biome.json): OpenTelemetry's
 * conventions, nothing of the app.
 */
export { OTLP_TRACES_PATH };

type Env = Readonly<Record<string, string | undefined>>;

/** The OpenTelemetry SDKs' default export timeout. */
export const OTLP_DEFAULT_TIMEOUT_MS = 10_000;

/** An http(s) URL, else undefined. */
export function httpUrlOf(text: string | undefined): URL | undefined {
  if (!text) return undefined;
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
  } catch {
    return undefined;
  }
}

/** `base` with `path` after its own path (a trailing slash not doubled). */
export function withPath(base: URL, path: string): URL {
  const url = new URL(base.href);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}${path}`;
  return url;
}

/**
 * Where traces go: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` as it is, else
 * `OTEL_EXPORTER_OTLP_ENDPOINT` with `/v1/traces` appended; undefined when neither is an
 * http(s) URL.
 */
export function otlpTracesUrlFromEnv(env: Env): URL | undefined {
  const traces = httpUrlOf(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
  if (traces) return traces;
  const base = httpUrlOf(env.OTEL_EXPORTER_OTLP_ENDPOINT);
  return base && withPath(base, OTLP_TRACES_PATH);
}

/**
 * `OTEL_EXPORTER_OTLP_TRACES_HEADERS` (else `OTEL_EXPORTER_OTLP_HEADERS`): `key=value` pairs,
 * comma-separated, values percent-encoded (W3C Baggage's format); header names lower-cased.
 * A pair that does not decode is left out.
 */
export function otlpHeadersFromEnv(env: Env): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const pair of (env.OTEL_EXPORTER_OTLP_TRACES_HEADERS ?? env.OTEL_EXPORTER_OTLP_HEADERS ?? '').split(',')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    try {
      headers[decodeURIComponent(pair.slice(0, eq).trim()).toLowerCase()] = decodeURIComponent(pair.slice(eq + 1).trim());
    } catch {
      // A malformed percent-escape: the pair is left out.
    }
  }
  return headers;
}

/** `OTEL_EXPORTER_OTLP_TRACES_TIMEOUT` (else `OTEL_EXPORTER_OTLP_TIMEOUT`) in milliseconds, else the SDKs' 10 s. */
export function otlpTimeoutMsFromEnv(env: Env): number {
  const timeout = Number(env.OTEL_EXPORTER_OTLP_TRACES_TIMEOUT ?? env.OTEL_EXPORTER_OTLP_TIMEOUT);
  return Number.isFinite(timeout) && timeout > 0 ? timeout : OTLP_DEFAULT_TIMEOUT_MS;
}
