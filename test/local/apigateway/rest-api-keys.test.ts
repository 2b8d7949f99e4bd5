import { describe, expect, it } from 'vitest';
import { generatedKeyValue } from '../../../local/apigateway/rest-api-keys.js';
import { expectEachRefused, restApiWith } from './rest-api-fixture.js';

const key = (props: Record<string, unknown>) => ({ Type: 'AWS::ApiGateway::ApiKey', Properties: { Enabled: true, ...props } });
const plan = (props: Record<string, unknown>) => ({
  Type: 'AWS::ApiGateway::UsagePlan',
  Properties: { ApiStages: [{ ApiId: { Ref: 'Api' }, Stage: 'prod' }], ...props },
});
const planKey = (keyId: string, planId = 'Plan') => ({
  Type: 'AWS::ApiGateway::UsagePlanKey',
  Properties: { KeyId: { Ref: keyId }, KeyType: 'API_KEY', UsagePlanId: { Ref: planId } },
});

function keyedApi(planProps: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  return restApiWith(
    { ApiKeyRequired: true },
    {
      Key: key({ Value: 'the-key-value-0123456789' }),
      Plan: plan(planProps),
      PlanKey: planKey('Key'),
      ...(extra as Record<string, never>),
    },
  );
}
const withKey = (value: string) => ({ headers: { 'x-api-key': value } });

describe('RestApiService API keys and usage plans', () => {
  it('serves a request with a key of a usage plan of the stage', async () => {
    const { send, invocations, warnings } = keyedApi();
    expect((await send(withKey('the-key-value-0123456789'))).status).toBe(200);
    expect(invocations).toHaveLength(1);
    expect(warnings).toEqual([]);
  });

  it('fails if the key is missing, unknown, disabled or in no plan of the stage: 403 Forbidden, the integration not reached', async () => {
    const api = keyedApi(
      {},
      {
        Disabled: key({ Value: 'disabled-key-0123456789', Enabled: false }),
        DisabledLink: planKey('Disabled'),
        Loose: key({ Value: 'loose-key-0123456789' }),
        OtherPlan: { Type: 'AWS::ApiGateway::UsagePlan', Properties: { ApiStages: [{ ApiId: { Ref: 'Api' }, Stage: 'test' }] } },
        LooseLink: planKey('Loose', 'OtherPlan'),
      },
    );
    await expectEachRefused(api, [{}, withKey('nope'), withKey('disabled-key-0123456789'), withKey('loose-key-0123456789')], {
      status: 403,
      message: 'Forbidden',
      errorType: 'ForbiddenException',
    });
  });

  it("answers 429 Too Many Requests past the plan's throttle, and serves again once the bucket refills", async () => {
    const { send, clock } = keyedApi({ Throttle: { RateLimit: 1, BurstLimit: 2 } });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await send(withKey('the-key-value-0123456789'))).status);
    expect(statuses).toEqual([200, 200, 429]);
    const refused = await send(withKey('the-key-value-0123456789'));
    expect(JSON.parse(refused.text)).toEqual({ message: 'Too Many Requests' });
    clock.advance(1_000);
    expect((await send(withKey('the-key-value-0123456789'))).status).toBe(200);
  });

  it("applies a method's own throttle in the plan's stage over the plan's", async () => {
    const { send } = keyedApi({
      Throttle: { RateLimit: 100, BurstLimit: 100 },
      ApiStages: [{ ApiId: { Ref: 'Api' }, Stage: 'prod', Throttle: { '/{id}/POST': { RateLimit: 1, BurstLimit: 1 } } }],
    });
    expect((await send(withKey('the-key-value-0123456789'))).status).toBe(200);
    expect((await send(withKey('the-key-value-0123456789'))).status).toBe(429);
  });

  it('answers 429 Limit Exceeded past the quota, until the next period', async () => {
    const { send, clock } = keyedApi({ Quota: { Limit: 2, Period: 'DAY' } });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await send(withKey('the-key-value-0123456789'))).status);
    expect(statuses).toEqual([200, 200, 429]);
    expect(JSON.parse((await send(withKey('the-key-value-0123456789'))).text)).toEqual({ message: 'Limit Exceeded' });
    clock.advance(86_400_000);
    expect((await send(withKey('the-key-value-0123456789'))).status).toBe(200);
  });

  it('gives a key without Value a stable value, printed at start-up', async () => {
    const { send, warnings } = restApiWith({ ApiKeyRequired: true }, { Generated: key({}), Plan: plan({}), PlanKey: planKey('Generated') });
    const value = generatedKeyValue('S', 'Generated');
    expect(value).toMatch(/^[0-9a-f]{40}$/);
    expect(warnings).toEqual([
      `S/Generated (AWS::ApiGateway::ApiKey): it has no Value; locally its value is ${value} (send it as x-api-key)`,
    ]);
    expect((await send(withKey(value))).status).toBe(200);
  });

  it('does not ask for a key on methods without ApiKeyRequired', async () => {
    const { send } = restApiWith(
      {},
      { Key: key({ Value: 'k' }), Plan: plan({ Quota: { Limit: 0, Period: 'DAY' } }), PlanKey: planKey('Key') },
    );
    expect((await send()).status).toBe(200);
  });
});
