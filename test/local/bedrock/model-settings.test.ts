import { describe, expect, it } from 'vitest';
import { injectFaults, ModelSettingsError, parseModelSettings, routeFor } from '../../../local/bedrock/model-settings.js';
import type { AwsError } from '../../../local/endpoint/aws-error.js';

const HAIKU = 'anthropic.claude-sonnet-4-6';

describe('parseModelSettings', () => {
  it('serves every model simulated when nothing is set', () => {
    const routes = parseModelSettings(undefined);
    expect(routes).toHaveLength(1);
    expect(routeFor(routes, HAIKU, HAIKU).backend.name).toBe('simulated');
  });

  it('routes a model by the first glob that matches its id or the id requested', () => {
    const routes = parseModelSettings('anthropic.claude-*=simulated?throttle=0.5,us.*=simulated?delay=7,simulated');
    expect(routeFor(routes, HAIKU, HAIKU).faults.throttle).toBe(0.5);
    expect(routeFor(routes, 'amazon.nova-lite-v1:0', 'us.amazon.nova-lite-v1:0').faults.delay).toBe(7);
    expect(routeFor(routes, 'amazon.nova-lite-v1:0', 'amazon.nova-lite-v1:0').faults).toMatchObject({ throttle: 0, delay: 0 });
  });

  it('answers the models no glob names from the entry without a glob, wherever it stands', () => {
    const routes = parseModelSettings('simulated?delay=3,anthropic.*=simulated?throttle=1');
    expect(routeFor(routes, HAIKU, HAIKU).faults.throttle).toBe(1);
    expect(routeFor(routes, 'amazon.nova-lite-v1:0', 'amazon.nova-lite-v1:0').faults.delay).toBe(3);
  });

  it('adds a simulated default when every entry names models', () => {
    const routes = parseModelSettings('amazon.*=simulated?error=1');
    expect(routeFor(routes, HAIKU, HAIKU).faults.error).toBe(0);
  });

  it('fails if a rate is not between 0 and 1', () => {
    expect(() => parseModelSettings('simulated?throttle=2')).toThrow(ModelSettingsError);
  });

  it('fails if a latency range is backwards', () => {
    expect(() => parseModelSettings('simulated?latency=50..10')).toThrow(/latency must be/);
  });

  it('serves models past their end of life on an entry with eol=serve, and fails if eol is anything but serve or refuse', () => {
    const [titan, rest] = parseModelSettings('amazon.titan-*=simulated?eol=serve,simulated');
    expect(titan?.serveEndOfLife).toBe(true);
    expect(rest?.serveEndOfLife).toBeUndefined();
    expect(() => parseModelSettings('simulated?eol=maybe')).toThrow('eol must be serve or refuse, not "maybe"');
  });

  it('fails if the backend is unknown, naming the ones there are', () => {
    expect(() => parseModelSettings('ollama')).toThrow(
      /unknown backend "ollama" \(simulated, fixtures:<file>, openai:<base url>, bedrock\)/,
    );
  });
});

describe('injectFaults', () => {
  const none = { throttle: 0, error: 0, timeout: 0, unavailable: 0, delay: 0 };
  const codeOf = (promise: Promise<void>) =>
    promise.then(
      () => 'ok',
      (error: AwsError) => `${error.code} ${error.status}`,
    );

  it('throttles, times out, goes unavailable or errs by its rates, in that order', async () => {
    const always = () => 0;
    expect(await codeOf(injectFaults({ ...none, throttle: 0.1 }, HAIKU, always))).toBe('ThrottlingException 429');
    expect(await codeOf(injectFaults({ ...none, timeout: 0.1 }, HAIKU, always))).toBe('ModelTimeoutException 408');
    expect(await codeOf(injectFaults({ ...none, unavailable: 0.1 }, HAIKU, always))).toBe('ServiceUnavailableException 503');
    expect(await codeOf(injectFaults({ ...none, error: 0.1 }, HAIKU, always))).toBe('ModelErrorException 424');
    expect(await codeOf(injectFaults({ ...none, throttle: 0.1, error: 0.1 }, HAIKU, () => 0.5))).toBe('ok');
  });

  it('adds its delay before answering', async () => {
    const started = performance.now();
    await injectFaults({ ...none, delay: 30 }, HAIKU);
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
  });
});
