import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { deliveryIdOf, hmacSha256, type SignatureProfile, verifySignature } from '../../../lambdas/kit/webhook-signature.js';

const github: SignatureProfile = { kind: 'github' };
const stripe: SignatureProfile = { kind: 'stripe' };
const now = new Date('2026-01-01T00:00:00Z');
const nowSeconds = now.getTime() / 1000;

function check(profile: SignatureProfile, headers: Record<string, string>, body: string, secrets: string[], at = now) {
  return verifySignature(profile, { headers, body: Buffer.from(body, 'utf8') }, secrets, at);
}

/** A Stripe-Signature header made as Stripe documents it: v1 = hex HMAC-SHA256 of `<t>.<body>`. */
function stripeHeader(body: string, secret: string, t: number): string {
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
}

describe('webhook signatures', () => {
  describe('HMAC-SHA256', () => {
    // stripe-node's CryptoProvider test vectors (test/crypto/helpers.ts): secret `test_secret`.
    it.each([
      ['', 'f7f9bd47fb987337b5796fdc1fdb9ba221d0d5396814bfcaf9521f43fd8927fd'],
      [JSON.stringify({ obj1: 'hello', obj2: 'world' }), 'bebb1a643997f419b315ddba19e6f5411e1ce7f810ba6d3617ce72823092f363'],
      ['\ud83d\ude00', '837da296d05c4fe31f61d5d7ead035099d9585a5bcde87de952012a78f0b0c43'],
    ])('matches stripe-node published vector for %j', (payload, expected) => {
      expect(hmacSha256('test_secret', Buffer.from(payload, 'utf8')).toString('hex')).toBe(expected);
    });
  });

  describe('github profile', () => {
    // GitHub's published example ("Validating webhook deliveries", docs.github.com/en/webhooks/
    // using-webhooks/validating-webhook-deliveries): secret "It's a Secret to Everybody",
    // payload "Hello, World!".
    const secret = "It's a Secret to Everybody";
    const vector = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';

    it("accepts GitHub's documented X-Hub-Signature-256 example", () => {
      expect(check(github, { 'x-hub-signature-256': vector }, 'Hello, World!', [secret])).toEqual({ ok: true });
    });

    it('fails if one byte of the body changed', () => {
      expect(check(github, { 'x-hub-signature-256': vector }, 'Hello, World?', [secret])).toMatchObject({ ok: false, reason: 'mismatch' });
    });

    it('fails if the secret is wrong', () => {
      expect(check(github, { 'x-hub-signature-256': vector }, 'Hello, World!', ['not it'])).toMatchObject({
        ok: false,
        reason: 'mismatch',
      });
    });

    it('accepts the previous secret while it is still offered (rotation)', () => {
      expect(check(github, { 'x-hub-signature-256': vector }, 'Hello, World!', ['new secret', secret])).toEqual({ ok: true });
    });

    it('fails if the header is missing, or is not sha256=<64 hex digits>', () => {
      expect(check(github, {}, 'Hello, World!', [secret])).toMatchObject({ ok: false, reason: 'missing' });
      expect(check(github, { 'x-hub-signature-256': vector.slice(0, -2) }, 'Hello, World!', [secret])).toMatchObject({
        ok: false,
        reason: 'malformed',
      });
      expect(check(github, { 'x-hub-signature-256': vector.replace('sha256=', 'sha1=') }, 'Hello, World!', [secret])).toMatchObject({
        ok: false,
        reason: 'malformed',
      });
    });

    it('takes the delivery id from X-GitHub-Delivery', () => {
      expect(deliveryIdOf(github, { 'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958' }, {})).toBe(
        '72d3162e-cc78-11e3-81ab-4c9367dc0958',
      );
      expect(deliveryIdOf(github, {}, { id: 'x' })).toBeUndefined();
    });
  });

  describe('stripe profile', () => {
    // stripe-node's webhook test fixture (test/Webhook.spec.ts): this secret and payload.
    const secret = 'whsec_test_secret';
    const payload = JSON.stringify({ id: 'evt_test_webhook', object: 'event' }, null, 2);

    it('accepts a header signed over <t>.<body> within the tolerance', () => {
      expect(check(stripe, { 'stripe-signature': stripeHeader(payload, secret, nowSeconds - 10) }, payload, [secret])).toEqual({
        ok: true,
      });
    });

    it('accepts a header with several v1 signatures when one matches (Stripe during its own secret rotation)', () => {
      const header = `${stripeHeader(payload, secret, nowSeconds)},v1=${'0'.repeat(64)}`;
      expect(check(stripe, { 'stripe-signature': header }, payload, [secret])).toEqual({ ok: true });
      const first = `t=${nowSeconds},v1=${'a'.repeat(64)},${stripeHeader(payload, secret, nowSeconds).split(',')[1]}`;
      expect(check(stripe, { 'stripe-signature': first }, payload, [secret])).toEqual({ ok: true });
    });

    it('fails as stale if the timestamp is more than 300 s old', () => {
      const header = stripeHeader(payload, secret, nowSeconds - 301);
      expect(check(stripe, { 'stripe-signature': header }, payload, [secret])).toMatchObject({ ok: false, reason: 'stale' });
      expect(check(stripe, { 'stripe-signature': stripeHeader(payload, secret, nowSeconds - 300) }, payload, [secret])).toEqual({
        ok: true,
      });
    });

    it('fails as stale if the timestamp is from the future beyond the tolerance', () => {
      const header = stripeHeader(payload, secret, nowSeconds + 301);
      expect(check(stripe, { 'stripe-signature': header }, payload, [secret])).toMatchObject({ ok: false, reason: 'stale' });
    });

    it('applies a configured tolerance', () => {
      const header = stripeHeader(payload, secret, nowSeconds - 15);
      expect(check({ kind: 'stripe', toleranceSeconds: 10 }, { 'stripe-signature': header }, payload, [secret])).toMatchObject({
        ok: false,
        reason: 'stale',
      });
    });

    it('fails if the timestamp was changed (replaying an old signature under a new time)', () => {
      const old = stripeHeader(payload, secret, nowSeconds - 3600);
      const replayed = old.replace(/^t=\d+/, `t=${nowSeconds}`);
      expect(check(stripe, { 'stripe-signature': replayed }, payload, [secret])).toMatchObject({ ok: false, reason: 'mismatch' });
    });

    it('fails if the header has no timestamp or no v1 signature', () => {
      expect(check(stripe, { 'stripe-signature': "I'm not even a real signature header" }, payload, [secret])).toMatchObject({
        ok: false,
        reason: 'malformed',
      });
      expect(check(stripe, { 'stripe-signature': `t=${nowSeconds},v0=${'a'.repeat(64)}` }, payload, [secret])).toMatchObject({
        ok: false,
        reason: 'malformed',
      });
    });

    it('takes the delivery id from the event id in the body', () => {
      expect(deliveryIdOf(stripe, {}, JSON.parse(payload))).toBe('evt_test_webhook');
      expect(deliveryIdOf(stripe, {}, [])).toBeUndefined();
    });
  });

  describe('generic profile', () => {
    const profile: SignatureProfile = {
      kind: 'generic',
      header: 'X-Signature',
      prefix: 'hmac-sha256=',
      encoding: 'base64',
      deliveryIdHeader: 'X-Delivery-Id',
    };

    it('accepts a base64 digest after the prefix, and reads the delivery header in any case', () => {
      const body = '{"a":1}';
      const signature = `hmac-sha256=${hmacSha256('s3cret', body).toString('base64')}`;
      expect(check(profile, { 'x-signature': signature }, body, ['s3cret'])).toEqual({ ok: true });
      expect(deliveryIdOf(profile, { 'x-delivery-id': 'd-1' }, {})).toBe('d-1');
    });

    it('fails if the digest is hex where base64 is configured', () => {
      const signature = `hmac-sha256=${hmacSha256('s3cret', '{}').toString('hex')}`;
      expect(check(profile, { 'x-signature': signature }, '{}', ['s3cret'])).toMatchObject({ ok: false, reason: 'malformed' });
    });

    it('accepts a hex digest with no prefix', () => {
      const hex: SignatureProfile = { kind: 'generic', header: 'X-Sig', encoding: 'hex', deliveryIdHeader: 'X-Id' };
      expect(check(hex, { 'x-sig': hmacSha256('k', 'body').toString('hex') }, 'body', ['k'])).toEqual({ ok: true });
      expect(check(hex, { 'x-sig': hmacSha256('k', 'body').toString('hex') }, 'bodY', ['k'])).toMatchObject({ ok: false });
    });
  });
});
