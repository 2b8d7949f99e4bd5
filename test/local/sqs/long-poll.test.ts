import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SqsService } from '../../../local/sqs/sqs-service.js';
import { AdvanceableClock, systemClock } from '../../../local/time/clock.js';
import { createSqs } from './helpers.js';

// Real time: these check that a parked ReceiveMessage wakes promptly, not by polling.
let sqs: SqsService;
let close: () => void;
let url: string;

beforeEach(async () => {
  ({ sqs, close } = createSqs({ clock: systemClock }));
  url = (await sqs.CreateQueue({ QueueName: 'q', Attributes: { VisibilityTimeout: '1' } })).QueueUrl;
});
afterEach(() => close());

const timed = async <T>(work: Promise<T>) => {
  const started = performance.now();
  const result = await work;
  return { result, ms: performance.now() - started };
};

describe('SqsService long polling', () => {
  it('returns as soon as a message is sent', async () => {
    const receiving = timed(sqs.ReceiveMessage({ QueueUrl: url, WaitTimeSeconds: 5 }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    await sqs.SendMessage({ QueueUrl: url, MessageBody: 'wake up' });
    const { result, ms } = await receiving;
    expect(result.Messages.map((m) => m.Body)).toEqual(['wake up']);
    expect(ms).toBeLessThan(500);
  });

  it('returns no messages when the wait time runs out', async () => {
    const { result, ms } = await timed(sqs.ReceiveMessage({ QueueUrl: url, WaitTimeSeconds: 1 }));
    expect(result).toEqual({ Messages: [] });
    expect(ms).toBeGreaterThanOrEqual(990);
    expect(ms).toBeLessThan(1500);
  });

  it('waits the queue ReceiveMessageWaitTimeSeconds when the call gives none', async () => {
    await sqs.SetQueueAttributes({ QueueUrl: url, Attributes: { ReceiveMessageWaitTimeSeconds: '1' } });
    const receiving = timed(sqs.ReceiveMessage({ QueueUrl: url }));
    setTimeout(() => void sqs.SendMessage({ QueueUrl: url, MessageBody: 'late' }), 100);
    const { result, ms } = await receiving;
    expect(result.Messages).toHaveLength(1);
    expect(ms).toBeLessThan(800);
  });

  it('wakes when a delayed message becomes visible', async () => {
    await sqs.SendMessage({ QueueUrl: url, MessageBody: 'later', DelaySeconds: 1 });
    const { result, ms } = await timed(sqs.ReceiveMessage({ QueueUrl: url, WaitTimeSeconds: 5 }));
    expect(result.Messages.map((m) => m.Body)).toEqual(['later']);
    expect(ms).toBeGreaterThanOrEqual(900);
    expect(ms).toBeLessThan(1500);
  });

  it('wakes when an in-flight message times out', async () => {
    await sqs.SendMessage({ QueueUrl: url, MessageBody: 'retry' });
    await sqs.ReceiveMessage({ QueueUrl: url });
    const { result, ms } = await timed(sqs.ReceiveMessage({ QueueUrl: url, WaitTimeSeconds: 5, AttributeNames: ['All'] }));
    expect(result.Messages[0]?.Attributes?.ApproximateReceiveCount).toBe('2');
    expect(ms).toBeLessThan(1500);
  });

  it('wakes when an in-flight message turns visible between its look at the queue and its wait', async () => {
    // CI saw this poll wait out its full 5 s: the message's time came in the millisecond
    // between the receive pass (not yet visible) and the search for the next wake-up (already
    // visible, so not "next"), and nothing woke the poller.
    let time = 1_000_000;
    let script: number[] = [];
    const clock = { now: () => script.shift() ?? time };
    const own = createSqs({ clock });
    try {
      const { QueueUrl } = await own.sqs.CreateQueue({ QueueName: 'edge', Attributes: { VisibilityTimeout: '1' } });
      await own.sqs.SendMessage({ QueueUrl, MessageBody: 'retry' });
      await own.sqs.ReceiveMessage({ QueueUrl });
      // The pass looks 1 ms before the message's time; every look after it is at that time.
      script = [time + 999];
      time += 1000;
      const { result, ms } = await timed(own.sqs.ReceiveMessage({ QueueUrl, WaitTimeSeconds: 3 }));
      expect(result.Messages.map((m) => m.Body)).toEqual(['retry']);
      expect(ms).toBeLessThan(1000);
    } finally {
      own.close();
    }
  });

  it("wakes when a test moves its clock past an in-flight message's visibility timeout", async () => {
    // Virtual time (the testing API's advance): a consumer's long poll must see the redelivery
    // when the clock passes it, not at the end of its wait in real time.
    const clock = new AdvanceableClock();
    const own = createSqs({ clock });
    try {
      const { QueueUrl } = await own.sqs.CreateQueue({ QueueName: 'virtual', Attributes: { VisibilityTimeout: '300' } });
      await own.sqs.SendMessage({ QueueUrl, MessageBody: 'retry' });
      await own.sqs.ReceiveMessage({ QueueUrl });
      const receiving = timed(own.sqs.ReceiveMessage({ QueueUrl, WaitTimeSeconds: 5 }));
      await new Promise((resolve) => setTimeout(resolve, 50));
      clock.advance(300_000);
      const { result, ms } = await receiving;
      expect(result.Messages.map((m) => m.Body)).toEqual(['retry']);
      expect(ms).toBeLessThan(1000);
    } finally {
      own.close();
    }
  });

  it('hands one message to one of several waiting pollers', async () => {
    // A visibility timeout longer than the wait: on a busy machine a poller's last look can
    // come after a 1 s timeout expired, and then a second receive is what SQS does too.
    const { QueueUrl: patient } = await sqs.CreateQueue({ QueueName: 'patient', Attributes: { VisibilityTimeout: '30' } });
    const pollers = [1, 2, 3].map(() => sqs.ReceiveMessage({ QueueUrl: patient, WaitTimeSeconds: 1 }));
    await new Promise((resolve) => setTimeout(resolve, 20));
    await sqs.SendMessage({ QueueUrl: patient, MessageBody: 'only one' });
    const results = await Promise.all(pollers);
    expect(results.flatMap((r) => r.Messages.map((m) => m.Body))).toEqual(['only one']);
  });

  it('ends early with no messages when the signal aborts or the service closes', async () => {
    const controller = new AbortController();
    const aborted = timed(sqs.ReceiveMessage({ QueueUrl: url, WaitTimeSeconds: 20 }, { signal: controller.signal }));
    const closing = timed(sqs.ReceiveMessage({ QueueUrl: url, WaitTimeSeconds: 20 }));
    // One at a time: closing the service would end the aborted poll too and hide an ignored signal.
    setTimeout(() => controller.abort(), 50);
    const a = await aborted;
    setTimeout(() => sqs.close(), 50);
    const c = await closing;
    expect(a.result).toEqual({ Messages: [] });
    expect(a.ms).toBeLessThan(500);
    expect(c.result).toEqual({ Messages: [] });
    expect(c.ms).toBeLessThan(500);
  });

  it('takes nothing once its signal aborts, even a message that woke it at the same moment (its receive count stays 0)', async () => {
    const controller = new AbortController();
    const receiving = sqs.ReceiveMessage({ QueueUrl: url, WaitTimeSeconds: 20 }, { signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 50));
    // The send wakes the parked receive; the abort comes before it runs again, as a paused poller's stop does.
    const sent = sqs.SendMessage({ QueueUrl: url, MessageBody: 'not for a stopped poller' });
    controller.abort();
    await sent;
    expect(await receiving).toEqual({ Messages: [] });
    const { Messages } = await sqs.ReceiveMessage({ QueueUrl: url, MessageSystemAttributeNames: ['ApproximateReceiveCount'] });
    expect(Messages.map((m) => m.Attributes?.ApproximateReceiveCount)).toEqual(['1']);
  });
});
