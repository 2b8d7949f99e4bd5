import { networkInterfaces } from 'node:os';
import { describe, expect, it } from 'vitest';
import { hostPolicy, refusal } from '../../../local/endpoint/request-guard.js';
import { trustSettings } from '../../../local/endpoint/trust-options.js';

describe('hostPolicy', () => {
  const loopback = hostPolicy();

  it.each([
    '127.0.0.1:4566',
    '127.0.0.1',
    '127.1.2.3:80',
    'localhost:4566',
    'LOCALHOST.',
    'console.localhost:4566',
    '[::1]:4566',
    '[::1]',
    // what the SDKs make of a loopback endpoint: host prefixes, S3 virtual-hosted buckets
    'sync-127.0.0.1:4566',
    'sync-localhost:4566',
    'stream-127.0.0.1',
    'my-bucket.localhost:4566',
    'my-bucket.127.0.0.1:4566',
  ])('answers the loopback Host %s', (host) => {
    expect(loopback.allows(host)).toBe(true);
  });

  it.each([
    'evil.example',
    'evil.example:4566',
    '127.0.0.1.evil.example',
    'localhost.evil.example',
    'sync-evil.example',
    '128.0.0.1',
    '127.0.0.256',
    '10.0.0.5:4566',
    '0.0.0.0:4566',
    '',
    'localhost-evil.example',
  ])('fails if the Host is %s', (host) => {
    expect(loopback.allows(host)).toBe(false);
  });

  it('fails if there is no Host header', () => {
    expect(loopback.allows(undefined)).toBe(false);
  });

  it('answers names it was told to allow, their subdomains and SDK host prefixes, and no look-alike', () => {
    const policy = hostPolicy({ allowHosts: ['devbox.example.com:4566'] });
    expect(policy.allows('devbox.example.com')).toBe(true);
    expect(policy.allows('DevBox.Example.com:4566')).toBe(true);
    expect(policy.allows('sync-devbox.example.com')).toBe(true);
    expect(policy.allows('bucket.devbox.example.com')).toBe(true);
    // `evil-devbox.example.com` belongs to whoever owns example.com, not to devbox.
    expect(policy.allows('evil-devbox.example.com')).toBe(false);
    expect(policy.allows('devbox.example.com.evil.example')).toBe(false);
  });

  it('answers the address it listens on when that is not loopback, and every address of this machine for 0.0.0.0', () => {
    expect(hostPolicy({ bindAddress: '192.168.7.9' }).allows('192.168.7.9:4566')).toBe(true);
    expect(hostPolicy({ bindAddress: '192.168.7.9' }).allows('192.168.7.10:4566')).toBe(false);
    const any = hostPolicy({ bindAddress: '0.0.0.0' });
    const ours = Object.values(networkInterfaces())
      .flat()
      .flatMap((info) => (info && info.family === 'IPv4' ? [info.address] : []));
    for (const address of ours) expect(any.allows(`${address}:4566`)).toBe(true);
    expect(any.allows('evil.example')).toBe(false);
    expect(loopback.extraNames).toEqual([]);
  });
});

describe('refusal', () => {
  const policy = hostPolicy();
  const host = '127.0.0.1:4566';

  it('lets requests without Origin through (SDKs, CLI), and pages of its own origin', () => {
    expect(refusal({ host }, policy, 4566)).toBeUndefined();
    expect(refusal({ host, origin: 'http://127.0.0.1:4566', 'sec-fetch-site': 'same-origin' }, policy, 4566)).toBeUndefined();
    expect(refusal({ host, origin: 'http://localhost:4566' }, policy, 4566)).toBeUndefined();
    expect(refusal({ host, 'sec-fetch-site': 'none' }, policy, 4566)).toBeUndefined();
  });

  it.each([['https://evil.example'], ['http://127.0.0.1:3000'], ['https://127.0.0.1:4566'], ['http://evil.example:4566'], ['null']])(
    'fails if the Origin is %s',
    (origin) => {
      expect(refusal({ host, origin }, policy, 4566)).toMatchObject({ code: 'ForbiddenOrigin', message: expect.stringContaining(origin) });
    },
  );

  it.each(['cross-site', 'same-site'])('fails if Sec-Fetch-Site is %s without an Origin (an <img> or a link)', (site) => {
    expect(refusal({ host, 'sec-fetch-site': site }, policy, 4566)).toMatchObject({ code: 'ForbiddenOrigin' });
  });

  it('names the refused Host and how to allow it', () => {
    expect(refusal({ host: 'Evil.Example:4566' }, policy, 4566)).toEqual({
      code: 'ForbiddenHost',
      message: expect.stringMatching(/refuses Host "Evil.Example:4566".*to allow "evil.example", start the runtime with --allow-host/),
    });
  });
});

describe('trustSettings', () => {
  it('defaults to loopback without signature checks', () => {
    expect(trustSettings({}, {})).toEqual({ host: '127.0.0.1', allowHosts: [] });
  });

  it('reads the command line first, then SWITCHYARD_* variables', () => {
    expect(
      trustSettings(
        { 'allow-host': ['a.example'] },
        {
          SWITCHYARD_HOST: '0.0.0.0',
          SWITCHYARD_ALLOW_HOSTS: 'b.example, c.example',
          SWITCHYARD_VERIFY_SIGNATURES: '1',
          SWITCHYARD_CREDENTIALS: 'AKID:se:cret',
        },
      ),
    ).toEqual({
      host: '0.0.0.0',
      allowHosts: ['a.example', 'b.example', 'c.example'],
      verifySignatures: { credentials: [{ accessKeyId: 'AKID', secretAccessKey: 'se:cret' }] },
    });
  });

  it('fails if signatures are to be verified without credentials, or credentials are given without verification', () => {
    expect(() => trustSettings({ 'verify-signatures': true }, {})).toThrow(/--verify-signatures needs the keys/);
    expect(() => trustSettings({ credentials: ['AKID:secret'] }, {})).toThrow(/add --verify-signatures/);
    expect(() => trustSettings({ 'verify-signatures': true, credentials: ['no-colon'] }, {})).toThrow(
      /expected <accessKeyId>:<secretAccessKey>/,
    );
  });
});
