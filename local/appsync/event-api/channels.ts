/**
 * AppSync Events' channel paths (https://docs.aws.amazon.com/appsync/latest/eventapi/channel-namespaces.html):
 * `/<namespace>/<segment>...`, at most five segments, each 1 to 50 letters, digits and dashes
 * (not starting or ending with a dash, as a namespace's name); a subscription may end in `*`,
 * every channel under the segments before it.
 */

const MAX_SEGMENTS = 5;
const SEGMENT = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,48}[A-Za-z0-9])?$/;

/** A channel path that is not one, named in the answer (BadRequestException). */
export class ChannelPathError extends Error {
  override readonly name = 'ChannelPathError';
}

/** A channel as published to or subscribed: its segments, the first its namespace, and whether it ends in `*`. */
export interface Channel {
  readonly path: string;
  readonly segments: readonly string[];
  readonly namespace: string;
  readonly wildcard: boolean;
}

/** Reads a channel path (a leading `/` optional, as AWS's own examples write both); `wildcard` allows a last `*`. */
export function channelOf(path: unknown, allowWildcard: boolean): Channel {
  if (typeof path !== 'string' || path === '') throw new ChannelPathError('channel is required: a path such as /default/messages');
  const segments = path.replace(/^\//, '').split('/');
  if (segments.length > MAX_SEGMENTS)
    throw new ChannelPathError(`channel ${path} has ${segments.length} segments: at most ${MAX_SEGMENTS}`);
  const wildcard = segments.at(-1) === '*';
  if (wildcard && !allowWildcard)
    throw new ChannelPathError(`channel ${path} ends in *: events are published to one channel, not a wildcard`);
  const named = wildcard ? segments.slice(0, -1) : segments;
  const bad = named.find((segment) => !SEGMENT.test(segment));
  if (bad !== undefined || named.length === 0)
    throw new ChannelPathError(
      `channel ${path} has the segment ${JSON.stringify(bad ?? '*')}: each is 1 to 50 letters, digits and dashes (a * only last, when subscribing)`,
    );
  return { path: `/${segments.join('/')}`, segments: named, namespace: named[0] as string, wildcard };
}

/** Whether an event published to `published` reaches a subscription to `subscribed`. */
export function channelMatches(subscribed: Channel, published: Channel): boolean {
  if (
    subscribed.wildcard ? published.segments.length < subscribed.segments.length : published.segments.length !== subscribed.segments.length
  )
    return false;
  return subscribed.segments.every((segment, i) => segment === published.segments[i]);
}
