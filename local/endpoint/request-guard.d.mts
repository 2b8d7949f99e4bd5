import type { IncomingHttpHeaders } from 'node:http';

export interface HostPolicy {
  /** The names allowed besides loopback ones (the bind address, --allow-host names). */
  readonly extraNames: readonly string[];
  /** Whether a Host header (name or address, with or without port) may reach the endpoint. */
  allows(hostHeader: string | undefined): boolean;
}

export interface Refusal {
  readonly code: 'ForbiddenHost' | 'ForbiddenOrigin';
  readonly message: string;
}

export const ALLOW_HOST_HINT: string;
export function isLoopbackAddress(address: string): boolean;
export function hostPolicy(options?: { bindAddress?: string; allowHosts?: readonly string[] }): HostPolicy;
export function refusal(
  headers: IncomingHttpHeaders,
  policy: HostPolicy,
  port: number,
  options?: { anyOrigin?: boolean },
): Refusal | undefined;
