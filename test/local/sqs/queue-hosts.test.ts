import { describe, expect, it } from 'vitest';
import { QueueHosts } from '../../../local/sqs/queue-hosts.js';

/** A resolver that answers from `answers` (an error code, or an address) and counts what it was asked. */
function resolver(answers: Record<string, string>) {
  const asked: string[] = [];
  const lookup = async (host: string) => {
    asked.push(host);
    const answer = answers[host] ?? 'ENOTFOUND';
    if (/^E/.test(answer)) throw Object.assign(new Error(`getaddrinfo ${answer} ${host}`), { code: answer });
    return { address: answer, family: 4 };
  };
  return { asked, lookup };
}

const url = (host: string) => `https://${host}/000000000000/tickets`;

describe('QueueHosts', () => {
  it("looks up neither SQS's endpoints, localhost nor an IP address", async () => {
    const { asked, lookup } = resolver({});
    const hosts = new QueueHosts(lookup);
    for (const host of ['sqs.us-east-1.amazonaws.com', 'localhost', '127.0.0.1', '[::1]', 'sqs.cn-north-1.amazonaws.com.cn'])
      expect(await hosts.unreachable(url(host))).toBeUndefined();
    expect(asked).toEqual([]);
  });

  it('looks a host up once for the tasks that send to it, found or not found', async () => {
    const { asked, lookup } = resolver({ 'queues.example': '192.0.2.1' });
    const hosts = new QueueHosts(lookup);
    for (let i = 0; i < 3; i++) {
      expect(await hosts.unreachable(url('queues.example'))).toBeUndefined();
      expect(await hosts.unreachable(url('gone.example'))).toBe('Unable to execute HTTP request: gone.example: Name or service not known');
    }
    expect(asked).toEqual(['queues.example', 'gone.example']);
  });

  it('asks again once an answer is a minute old', async () => {
    const { asked, lookup } = resolver({ 'queues.example': '192.0.2.1' });
    let now = 0;
    const hosts = new QueueHosts(lookup, () => now);
    await hosts.unreachable(url('queues.example'));
    now = 59_999;
    await hosts.unreachable(url('queues.example'));
    now = 60_000;
    await hosts.unreachable(url('queues.example'));
    expect(asked).toEqual(['queues.example', 'queues.example']);
  });

  it('fails a task whose lookup could not be answered, as the SDK fails its request, and keeps no answer for it', async () => {
    const { asked, lookup } = resolver({ 'flaky.example': 'EAI_AGAIN', 'broken.example': 'ECONNREFUSED' });
    const hosts = new QueueHosts(lookup);
    for (let i = 0; i < 2; i++)
      expect(await hosts.unreachable(url('flaky.example'))).toBe(
        'Unable to execute HTTP request: flaky.example: Temporary failure in name resolution',
      );
    expect(await hosts.unreachable(url('broken.example'))).toBe(
      'Unable to execute HTTP request: broken.example: getaddrinfo ECONNREFUSED broken.example',
    );
    expect(asked).toEqual(['flaky.example', 'flaky.example', 'broken.example']);
  });

  it('keeps the answers of the 256 hosts asked most recently', async () => {
    const { asked, lookup } = resolver({});
    const hosts = new QueueHosts(lookup);
    for (let i = 0; i < 256; i++) await hosts.unreachable(url(`q${i}.example`));
    // Asked again, q0 is the most recently asked: q1 is the one dropped for q256.
    await hosts.unreachable(url('q0.example'));
    await hosts.unreachable(url('q256.example'));
    asked.length = 0;
    await hosts.unreachable(url('q0.example'));
    await hosts.unreachable(url('q1.example'));
    expect(asked).toEqual(['q1.example']);
  });
});
