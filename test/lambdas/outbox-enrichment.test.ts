import { describe, expect, it } from 'vitest';
import { OUTBOX_ATTRIBUTE } from '../../contracts/index.js';
import type { StreamRecord } from '../../lambdas/change-capture/change-events.js';
import { handler } from '../../lambdas/change-capture/outbox-handler.js';

function record(announcement: Record<string, unknown> | undefined): StreamRecord {
  return {
    eventID: 'e1',
    eventName: 'INSERT',
    dynamodb: {
      Keys: { jobId: { S: 'JOB-1' } },
      SequenceNumber: '42',
      NewImage: { jobId: { S: 'JOB-1' }, ...(announcement ? { [OUTBOX_ATTRIBUTE]: announcement } : {}) },
    },
  } as unknown as StreamRecord;
}

const stored = (detail: string) => ({
  M: { source: { S: 'switchyard.pipeline' }, detailType: { S: 'ScriptWritten' }, detail: { S: detail } },
});

describe('outbox enrichment', () => {
  it('answers one event per record: its source, detail-type and the stored detail parsed, in the order stored', async () => {
    const text = '{"jobId":"JOB-1","scenes":2,"big":12345678901234567890,"metadata":{"correlationId":"c"}}';
    const [event] = await handler([record(stored(text))]);
    expect(event).toMatchObject({ source: 'switchyard.pipeline', detailType: 'ScriptWritten' });
    // What the target's `<$.detail>` writes back is the text the writer stored (numbers as JSON numbers, keys in order).
    expect(JSON.stringify(event?.detail)).toBe(JSON.stringify(JSON.parse(text)));
    expect(Object.keys(event?.detail as object)).toEqual(['jobId', 'scenes', 'big', 'metadata']);
  });

  it('fails if a record carries no announcement', async () => {
    await expect(handler([record(undefined)])).rejects.toMatchObject({
      name: 'MalformedAnnouncement',
      message: 'record e1 (INSERT, sequence number 42): its new image has no announcement with source, detailType and detail strings',
    });
  });

  it('fails if the stored detail is not a JSON object', async () => {
    await expect(handler([record(stored('not json'))])).rejects.toMatchObject({
      name: 'MalformedAnnouncement',
      cause: expect.any(SyntaxError),
    });
    await expect(handler([record(stored('[1]'))])).rejects.toThrow("the ScriptWritten announcement's detail is not a JSON object");
  });
});
