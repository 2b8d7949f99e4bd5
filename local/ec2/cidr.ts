import { notACidr } from './ec2-errors.js';

/** An IPv4 CIDR block as numbers: the network's first address and its prefix length. */
export interface Cidr {
  readonly base: number;
  readonly prefix: number;
}

/**
 * The block a CIDR text names.
 * @throws InvalidParameterValue for text that is not a CIDR, or one with host bits set (AWS takes only the network's own address)
 */
export function parseCidr(text: string): Cidr {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text);
  if (!match) throw notACidr(text);
  const octets = match.slice(1, 5).map(Number);
  const prefix = Number(match[5]);
  if (octets.some((octet) => octet > 255) || prefix > 32) throw notACidr(text);
  const base = octets.reduce((address, octet) => address * 256 + octet, 0);
  if (base % size({ base, prefix }) !== 0) throw notACidr(text);
  return { base, prefix };
}

/** How many addresses the block holds. */
export const size = (cidr: Cidr): number => 2 ** (32 - cidr.prefix);

/** Whether `inner` lies wholly inside `outer`. */
export const contains = (outer: Cidr, inner: Cidr): boolean =>
  inner.prefix >= outer.prefix && inner.base >= outer.base && inner.base + size(inner) <= outer.base + size(outer);

export const overlaps = (a: Cidr, b: Cidr): boolean => a.base < b.base + size(b) && b.base < a.base + size(a);

/** AWS's limit on a VPC's and a subnet's IPv4 block: between /16 and /28. */
export const inBlockRange = (cidr: Cidr): boolean => cidr.prefix >= 16 && cidr.prefix <= 28;

/** The addresses a subnet offers instances: AWS keeps five of each (network, router, DNS, future, broadcast). */
export const usableAddresses = (cidr: Cidr): number => size(cidr) - 5;
