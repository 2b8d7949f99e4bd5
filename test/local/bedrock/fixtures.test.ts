import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ModelRequest } from '../../../local/bedrock/conversation.js';
import { FixturesBackend, requestDigest } from '../../../local/bedrock/fixtures.js';
import { parseModelSettings } from '../../../local/bedrock/model-settings.js';
import { SimulatedBackend } from '../../../local/bedrock/simulated.js';

const dir = mkdtempSync(path.join(tmpdir(), 'switchyard-fixtures-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const request = (text: string): ModelRequest => ({
  modelId: 'anthropic.claude-sonnet-4-6',
  system: [],
  messages: [{ role: 'user', content: [{ text }] }],
  tools: [],
  stopSequences: [],
});

describe('FixturesBackend', () => {
  it('records what its source answers and replays it without the source', async () => {
    const file = path.join(dir, 'recorded.jsonl');
    const recorder = new FixturesBackend(file, new SimulatedBackend({ min: 0, max: 0 }), true);
    const recorded = await recorder.answer(request('hello'));
    const line = JSON.parse(readFileSync(file, 'utf8').trim());
    expect(line).toMatchObject({
      model: 'anthropic.claude-sonnet-4-6',
      digest: requestDigest(request('hello')),
      answer: recorded,
    });
    const replay = new FixturesBackend(file, undefined, false);
    expect(await replay.answer(request('hello'))).toEqual(recorded);
  });

  it('matches a request whatever the order of its keys', () => {
    const reordered = {
      stopSequences: [],
      tools: [],
      messages: [{ content: [{ text: 'hello' }], role: 'user' as const }],
      system: [],
      modelId: request('x').modelId,
    };
    expect(requestDigest(reordered)).toBe(requestDigest(request('hello')));
  });

  it('fails if no fixture matches, naming the digest and the setting that records it', async () => {
    const file = path.join(dir, 'recorded.jsonl');
    const replay = new FixturesBackend(file, undefined, false);
    await expect(replay.answer(request('unseen'))).rejects.toMatchObject({
      code: 'ValidationException',
      message: `No fixture in ${file} matches this request to anthropic.claude-sonnet-4-6 (digest ${requestDigest(request('unseen'))}). Record it with SWITCHYARD_MODELS_RECORD=1 SWITCHYARD_MODELS='fixtures:${file}|<backend>'.`,
    });
  });

  it('fails start-up if a line does not parse, naming the file and line', () => {
    const file = path.join(dir, 'broken.jsonl');
    const good = readFileSync(path.join(dir, 'recorded.jsonl'), 'utf8');
    writeFileSync(file, `${good}{"model": oops}\n`);
    expect(() => parseModelSettings(`fixtures:${file}`)).toThrow(`fixture file ${file} line 2 is not JSON`);
  });

  it('fails start-up if the file is missing and nothing records it', () => {
    expect(() => parseModelSettings(`fixtures:${path.join(dir, 'none.jsonl')}`)).toThrow(/does not exist/);
  });

  it('records through record:<file>|<backend> and through SWITCHYARD_MODELS_RECORD', async () => {
    const file = path.join(dir, 'by-setting.jsonl');
    const [route] = parseModelSettings(`record:${file}|simulated`);
    await route?.backend.answer(request('a'));
    const [again] = parseModelSettings(`fixtures:${file}|simulated`, { record: true });
    await again?.backend.answer(request('b'));
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(2);
    expect(() => parseModelSettings(`fixtures:${file}`, { record: true })).toThrow(/recording needs the backend to record from/);
  });
});
