import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type LeafBackend, LeafSettingsError, parseLeafBackends } from '../../../local/ai-services/backends.js';
import { COMPREHEND } from '../../../local/ai-services/comprehend.js';
import { LeafService } from '../../../local/ai-services/engine.js';
import { leafServicesModule } from '../../../local/ai-services/module.js';
import { LEAF_SERVICES } from '../../../local/ai-services/services.js';
import { TRANSLATE } from '../../../local/ai-services/translate.js';
import { exchangeDigest } from '../../../local/bedrock/fixtures.js';
import type { ModelBackend } from '../../../local/bedrock/simulated.js';
import { ManualClock } from '../../../local/time/clock.js';

const deps = {
  region: 'us-east-1',
  accountId: '000000000000',
  clock: new ManualClock(0),
  caller: () => ({ kind: 'admin' }) as const,
  readObject: async () => Buffer.alloc(0),
  writeObject: async () => {},
  resources: () => [],
  notify: { publish: async () => {}, putEvent: () => {} },
  onError: () => {},
};
const NAMES = { names: ['translate', 'comprehend', 'textract'], modelCalls: new Set(['translate', 'comprehend']) };
const REQUEST = { Text: 'Good morning', SourceLanguageCode: 'en', TargetLanguageCode: 'fr' };

describe('LeafService', () => {
  it('answers from the declaration when simulated, the same answer for the same request', async () => {
    const translate = new LeafService(TRANSLATE, { kind: 'simulated' }, deps);
    const answer = await translate.operations.TranslateText?.(REQUEST as never);
    expect(answer).toEqual({ TranslatedText: '[fr] Good morning', SourceLanguageCode: 'en', TargetLanguageCode: 'fr' });
  });

  it('answers a schema-valid output drawn from the request for an operation it declares no answer of, the same each time', async () => {
    const comprehend = new LeafService(COMPREHEND, { kind: 'simulated' }, deps);
    const input = { Text: 'a ticket', EndpointArn: 'arn:aws:comprehend:us-east-1:000000000000:document-classifier-endpoint/tickets' };
    const first = await comprehend.operations.ClassifyDocument?.(input as never);
    expect(first).toEqual(await comprehend.operations.ClassifyDocument?.(input as never));
    expect(first).toEqual({});
  });

  it('asks the model backend for an operation that is a model call, with the language pair in its instructions', async () => {
    const asked: unknown[] = [];
    const model: ModelBackend = {
      name: 'fake',
      answer: async (request) => {
        asked.push(request.system);
        return { content: [{ text: ' Bonjour \n' }], stopReason: 'end_turn' };
      },
    };
    const translate = new LeafService(TRANSLATE, { kind: 'model', spec: 'openai:http://x', model }, deps);
    expect(await translate.operations.TranslateText?.(REQUEST as never)).toMatchObject({ TranslatedText: 'Bonjour' });
    expect(JSON.stringify(asked)).toContain('from English (en) to French (fr)');
  });

  it('replays a recorded output by the request digest, and fails naming the digest of a request no line matches', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'leaf-fixtures-')), 'translate.jsonl');
    const answer = { TranslatedText: 'Bonjour', SourceLanguageCode: 'en', TargetLanguageCode: 'fr' };
    writeFileSync(
      file,
      `${JSON.stringify({ model: 'translate:TranslateText', digest: exchangeDigest(REQUEST), request: REQUEST, answer })}\n`,
    );
    const backend = parseLeafBackends(`translate=fixtures:${file}`, NAMES).get('translate') as LeafBackend;
    const translate = new LeafService(TRANSLATE, backend, deps);
    expect(await translate.operations.TranslateText?.(REQUEST as never)).toEqual(answer);
    const other = { ...REQUEST, Text: 'Good night' };
    await expect(translate.operations.TranslateText?.(other as never)).rejects.toMatchObject({
      code: 'ValidationException',
      message: expect.stringContaining(`(digest ${exchangeDigest(other)})`),
    });
  });
});

describe('parseLeafBackends', () => {
  it('gives each service the entry naming it, and the others the entry naming none', () => {
    const backends = parseLeafBackends('translate=openai:http://127.0.0.1:1/v1,simulated', NAMES);
    expect(backends.get('translate')?.kind).toBe('model');
    expect(backends.get('textract')?.kind).toBe('simulated');
  });

  it('gives a service whose name has hyphens the entry naming it', () => {
    const names = { names: ['bedrock-data-automation-runtime', 'textract'], modelCalls: new Set<string>() };
    const backends = parseLeafBackends('bedrock-data-automation-runtime=simulated,textract=simulated', names);
    expect(backends.get('bedrock-data-automation-runtime')?.kind).toBe('simulated');
  });

  it('fails if a model backend is given to a service with no model-call operation', () => {
    expect(() => parseLeafBackends('textract=openai:http://127.0.0.1:1/v1', NAMES)).toThrow(LeafSettingsError);
  });

  it('fails if an entry names an unknown service or backend', () => {
    expect(() => parseLeafBackends('textrakt=simulated', NAMES)).toThrow('unknown service "textrakt" (translate, comprehend, textract)');
    expect(() => parseLeafBackends('translate=magic', NAMES)).toThrow('unknown backend "magic"');
  });
});

describe('the --ai-services option', () => {
  it('names in its help every AI service declared, by the name its entry takes', () => {
    const help = (leafServicesModule.options?.find((o) => o.flag === 'ai-services')?.help ?? '').replace(/\s+/g, ' ');
    expect(LEAF_SERVICES.length).toBeGreaterThan(6);
    for (const declaration of LEAF_SERVICES) expect(help).toContain(declaration.name);
  });
});
