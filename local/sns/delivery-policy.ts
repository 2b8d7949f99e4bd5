/**
 * A topic's DeliveryPolicy (https://docs.aws.amazon.com/sns/latest/dg/sns-message-delivery-retries.html):
 * the policy for its HTTP/S endpoints, kept as SNS keeps it, and EffectiveDeliveryPolicy, that
 * policy laid over SNS's defaults. Both as recorded on AWS: a member set to null is dropped,
 * `disableSubscriptionOverrides` defaults to false, and a retry policy that names some of its
 * members takes the defaults for the rest.
 */

type Json = Record<string, unknown>;

const DEFAULT_RETRY_POLICY: Json = {
  minDelayTarget: 20,
  maxDelayTarget: 20,
  numRetries: 3,
  numMaxDelayRetries: 0,
  numNoDelayRetries: 0,
  numMinDelayRetries: 0,
  backoffFunction: 'linear',
};
const DEFAULT_REQUEST_POLICY: Json = { headerContentType: 'text/plain; charset=UTF-8' };

/** The members of a protocol's policy in the order SNS answers them. */
const MEMBER_ORDER = ['defaultHealthyRetryPolicy', 'disableSubscriptionOverrides', 'defaultThrottlePolicy', 'defaultRequestPolicy'];

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A topic's DeliveryPolicy as SNS stores and answers it (the text given is a JSON object, checked before). */
export function storedTopicDeliveryPolicy(text: string): string {
  const policy = JSON.parse(text) as Json;
  const stored: Json = {};
  for (const [protocol, value] of Object.entries(policy)) {
    if (!isObject(value)) {
      stored[protocol] = value;
      continue;
    }
    const given = Object.fromEntries(Object.entries(value).filter(([, member]) => member !== null));
    const members: Json = { disableSubscriptionOverrides: false, ...given };
    stored[protocol] = ordered(members);
  }
  return JSON.stringify(stored);
}

/** SNS's defaults for HTTP/S deliveries, overlaid with the topic's DeliveryPolicy (stored form) where it has one. */
export function effectiveDeliveryPolicy(stored: string | undefined): string {
  const http = stored ? (JSON.parse(stored) as Json).http : undefined;
  const given = isObject(http) ? http : {};
  const retry = isObject(given.defaultHealthyRetryPolicy) ? given.defaultHealthyRetryPolicy : {};
  return JSON.stringify({
    http: ordered({
      ...given,
      defaultHealthyRetryPolicy: { ...DEFAULT_RETRY_POLICY, ...retry },
      disableSubscriptionOverrides: given.disableSubscriptionOverrides ?? false,
      defaultRequestPolicy: isObject(given.defaultRequestPolicy) ? given.defaultRequestPolicy : DEFAULT_REQUEST_POLICY,
    }),
  });
}

function ordered(members: Json): Json {
  const known = MEMBER_ORDER.filter((name) => name in members).map((name) => [name, members[name]] as const);
  const rest = Object.entries(members).filter(([name]) => !MEMBER_ORDER.includes(name));
  return Object.fromEntries([...known, ...rest]);
}
