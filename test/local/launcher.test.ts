import { describe, expect, it } from 'vitest';
import { defaultPort, launchSettings } from '../../local/launcher.js';

describe('defaultPort', () => {
  it('serves where the clients of this shell look: the port of a loopback AWS_ENDPOINT_URL', () => {
    expect(defaultPort({ AWS_ENDPOINT_URL: 'http://127.0.0.1:4599' })).toBe('4599');
    expect(defaultPort({ AWS_ENDPOINT_URL: 'http://localhost:4600/' })).toBe('4600');
  });

  it('takes SWITCHYARD_PORT, then SWITCHYARD_ENDPOINT, before AWS_ENDPOINT_URL', () => {
    const env = { SWITCHYARD_ENDPOINT: 'http://127.0.0.1:4601', AWS_ENDPOINT_URL: 'http://127.0.0.1:4602' };
    expect(defaultPort({ ...env, SWITCHYARD_PORT: '4603' })).toBe('4603');
    expect(defaultPort(env)).toBe('4601');
  });

  it('keeps 4566 for an endpoint that is not this machine, not http, or not a URL', () => {
    expect(defaultPort({})).toBe('4566');
    expect(defaultPort({ AWS_ENDPOINT_URL: 'https://vpce-1.sqs.us-east-1.vpce.amazonaws.com' })).toBe('4566');
    expect(defaultPort({ AWS_ENDPOINT_URL: 'https://127.0.0.1:4599' })).toBe('4566');
    expect(defaultPort({ AWS_ENDPOINT_URL: 'not a url' })).toBe('4566');
  });
});

describe('launchSettings', () => {
  it('passes --models on to the runtime as given', () => {
    expect(launchSettings({ models: 'openai:http://localhost:11434/v1' }).models).toBe('openai:http://localhost:11434/v1');
    expect(launchSettings({})).not.toHaveProperty('models');
  });
});
