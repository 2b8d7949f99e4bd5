import { createHash } from 'node:crypto';
import { lowerAlphanumericId } from '../random/random-id.js';

/** The opaque id that ends every ARN of the API (`event-busv2/<name>/<id>`): 25 lower-case letters and digits. */
export const OPAQUE_ID_LENGTH = 25;

/** A new resource's opaque id. */
export const newOpaqueId = (): string => lowerAlphanumericId(OPAQUE_ID_LENGTH);

/** A template resource's opaque id, from its place in the app: a restart and every reference see the same ARN. */
export function templateOpaqueId(stackName: string, logicalId: string): string {
  const digest = createHash('sha256').update(`eventbridgev2/${stackName}/${logicalId}`).digest();
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return [...digest.subarray(0, OPAQUE_ID_LENGTH)].map((byte) => alphabet[byte % alphabet.length]).join('');
}

export interface ArnContext {
  readonly region: string;
  readonly accountId: string;
}

export const busArn = (context: ArnContext, name: string, id: string) =>
  `arn:aws:events:${context.region}:${context.accountId}:event-busv2/${name}/${id}`;
export const subscriberArn = (context: ArnContext, name: string, id: string) =>
  `arn:aws:events:${context.region}:${context.accountId}:subscriber/${name}/${id}`;
/** An event source's ARN: its type segment (`aws.service`, `aws.partner`) is the service's, not part of its name. */
export const eventSourceArn = (context: ArnContext, type: 'AWS_SERVICE_EVENTS' | 'PARTNER_EVENTS', name: string, id: string) =>
  `arn:aws:events:${context.region}:${context.accountId}:event-sourcev2/${type === 'AWS_SERVICE_EVENTS' ? 'aws.service' : 'aws.partner'}/${name}/${id}`;

/** The kind of resource an ARN of the API names, by its resource segment. */
export function arnKind(arn: string): 'bus' | 'subscriber' | 'source' | undefined {
  const resource = arn.split(':').slice(5).join(':');
  if (resource.startsWith('event-busv2/')) return 'bus';
  if (resource.startsWith('subscriber/')) return 'subscriber';
  if (resource.startsWith('event-sourcev2/')) return 'source';
  return undefined;
}
