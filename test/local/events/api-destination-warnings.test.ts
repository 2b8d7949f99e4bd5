import { describe, expect, it } from 'vitest';
import { apiDestinationEndpointWarnings } from '../../../local/events/api-destinations.js';
import { app, resource } from '../iam/fixtures.js';

const destination = (logicalId: string, properties: Record<string, unknown>) =>
  resource(logicalId, 'AWS::Events::ApiDestination', {
    ConnectionArn: 'arn:aws:events:us-east-1:000000000000:connection/c/1',
    HttpMethod: 'POST',
    ...properties,
  });

describe('apiDestinationEndpointWarnings', () => {
  it('names a destination whose InvocationRateLimitPerSecond is not applied locally, and none without one', () => {
    const warnings = apiDestinationEndpointWarnings(
      app(
        destination('Limited', { InvocationEndpoint: 'https://example.com/hook', InvocationRateLimitPerSecond: 1 }),
        destination('Unlimited', { InvocationEndpoint: 'https://example.com/hook' }),
      ),
    );
    expect(warnings).toEqual([
      "App/Limited (AWS::Events::ApiDestination): its InvocationRateLimitPerSecond 1 is not applied locally: each event is sent as it comes (AWS sends at most 1 a second and holds the rest, for up to the target's 24-hour retry window)",
    ]);
  });

  it('names a destination it calls over http, which AWS would not take', () => {
    expect(apiDestinationEndpointWarnings(app(destination('Plain', { InvocationEndpoint: 'http://127.0.0.1:9/hook' })))).toEqual([
      'App/Plain (AWS::Events::ApiDestination): its InvocationEndpoint http://127.0.0.1:9/hook is not HTTPS, which AWS requires of an API destination; locally it is called as given',
    ]);
  });
});
