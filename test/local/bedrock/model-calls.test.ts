import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { ConverseCommand } from '@aws-sdk/client-bedrock-runtime';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ModelCallsPage, READ_API_PATHS, READ_API_PREFIX } from '../../../clients/read-api-contract.js';
import { ModelCallLedger } from '../../../local/bedrock/call-ledger.js';
import { runCli } from '../../cli/run-cli.js';
import { useBedrockRuntime } from './bedrock-runtime.js';

const SONNET = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';
const MICRO = 'amazon.nova-micro-v1:0';

describe('the model calls of a run (read API and switchyard cost --local)', () => {
  const bedrock = useBedrockRuntime('amazon.nova-micro-*=simulated?throttle=1,simulated');
  beforeAll(async () => {
    const ask = (modelId: string) =>
      bedrock.client.send(
        new ConverseCommand({ modelId, messages: [{ role: 'user', content: [{ text: 'Summarise the ticket, please.' }] }] }),
      );
    await ask(SONNET);
    await ask(SONNET);
    await ask(MICRO).catch(() => undefined);
  });

  it('lists every call newest first, with the id asked for, the model that answered, its usage and the error of one that failed', async () => {
    const { calls } = (await (
      await fetch(`${bedrock.runtime.url}${READ_API_PREFIX}${READ_API_PATHS.modelCalls}`)
    ).json()) as ModelCallsPage;
    expect(calls.map((c) => [c.modelId, c.error ?? c.stopReason])).toEqual([
      [MICRO, 'ThrottlingException'],
      [SONNET, 'end_turn'],
      [SONNET, 'end_turn'],
    ]);
    expect(calls[1]).toMatchObject({ model: 'anthropic.claude-sonnet-4-5-20250929-v1:0', backend: 'simulated' });
    expect(calls[1]?.inputTokens).toBeGreaterThan(0);
    expect(calls[1]?.outputTokens).toBeGreaterThan(0);
  });

  it('fails if since is not a time, naming the value', async () => {
    const answer = await fetch(`${bedrock.runtime.url}${READ_API_PREFIX}${READ_API_PATHS.modelCalls}?since=yesterday`);
    expect(answer.status).toBe(400);
    expect(await answer.json()).toMatchObject({ error: 'InvalidParameter', message: expect.stringContaining('"yesterday"') });
  });

  it('prices the run per model with switchyard cost --local, the calls that failed counted apart', async () => {
    const result = await runCli(['cost', '--local', '--endpoint', bedrock.runtime.url, '--json']);
    expect(result.code, result.stderr).toBe(0);
    const { models, totalUsd } = JSON.parse(result.stdout) as {
      models: { model: string; calls: number; failed: number; usd?: number }[];
      totalUsd: number;
    };
    const sonnet = models.find((m) => m.model === 'anthropic.claude-sonnet-4-5-20250929-v1:0');
    expect(sonnet).toMatchObject({ calls: 2, failed: 0 });
    expect(sonnet?.usd).toBeGreaterThan(0);
    expect(models.find((m) => m.model === 'amazon.nova-micro-v1:0')).toMatchObject({ calls: 1, failed: 1 });
    expect(totalUsd).toBeCloseTo(
      models.reduce((sum, m) => sum + (m.usd ?? 0), 0),
      10,
    );
    const text = await runCli(['cost', '--local', '--endpoint', bedrock.runtime.url]);
    expect(text.stdout).toMatch(/Model calls kept by the local runtime at .* \(3 calls since .*Z;/);
  });

  it('pages the calls: a page of two says where the third is', async () => {
    const url = `${bedrock.runtime.url}${READ_API_PREFIX}${READ_API_PATHS.modelCalls}`;
    const first = (await (await fetch(`${url}?limit=2`)).json()) as ModelCallsPage;
    expect(first.calls.map((c) => c.modelId)).toEqual([MICRO, SONNET]);
    expect(first.nextToken).toEqual(expect.any(String));
    const second = (await (await fetch(`${url}?limit=2&nextToken=${encodeURIComponent(first.nextToken ?? '')}`)).json()) as ModelCallsPage;
    expect(second).toEqual({ calls: [expect.objectContaining({ modelId: SONNET })] });
  });

  it('prices every call of a long run with cost --local, past the thousand a page holds', async () => {
    // Last in this file: it adds calls to the run the tests above count.
    const call = bedrock.runtime.bedrock.calls.list({ limit: 3 })[1];
    if (call === undefined) throw new Error('the run has no Sonnet call to copy');
    for (let i = 0; i < 2_500; i++) bedrock.runtime.bedrock.calls.record({ ...call, at: new Date().toISOString() });
    const result = await runCli(['cost', '--local', '--endpoint', bedrock.runtime.url, '--json']);
    expect(result.code, result.stderr).toBe(0);
    const { models } = JSON.parse(result.stdout) as { models: { model: string; calls: number }[] };
    expect(models.find((m) => m.model === 'anthropic.claude-sonnet-4-5-20250929-v1:0')?.calls).toBe(2_502);
  });
});

describe('ModelCallLedger', () => {
  it('pages newest first, each call once, until the last page', () => {
    const ledger = new ModelCallLedger(new DatabaseSync(':memory:'));
    const at = new Date(0).toISOString();
    for (let i = 1; i <= 2_500; i++) ledger.record({ ...CALL, at, modelId: `m-${i}` });
    const seen: string[] = [];
    let before: number | undefined;
    for (;;) {
      const page = ledger.page({ limit: 1_000, ...(before === undefined ? {} : { before }) });
      seen.push(...page.calls.map((c) => c.modelId));
      if (page.last === undefined) break;
      before = page.last;
    }
    expect(seen).toHaveLength(2_500);
    expect(new Set(seen).size).toBe(2_500);
    expect(seen[0]).toBe('m-2500');
    expect(seen.at(-1)).toBe('m-1');
  });

  it('keeps the calls in its database: a ledger opened on it again (a restart) lists them and what each segment made', () => {
    const folder = mkdtempSync(path.join(tmpdir(), 'model-calls-'));
    try {
      const file = path.join(folder, 'bedrock.sqlite');
      const made = (parent: string) => `Root=1-6740a1b2-0123456789abcdef01234567;Parent=${parent};Sampled=1`;
      const first = new DatabaseSync(file);
      const ledger = new ModelCallLedger(first);
      ledger.record({ ...CALL, at: new Date(1_000).toISOString(), modelId: 'by-state', traceHeader: made('53995c3f42cd8ad8') });
      ledger.record({ ...CALL, at: new Date(2_000).toISOString(), modelId: 'untraced' });
      first.close();
      const again = new ModelCallLedger(new DatabaseSync(file));
      expect(again.list().map((c) => c.modelId)).toEqual(['untraced', 'by-state']);
      expect(again.list({ since: 1_500 }).map((c) => c.modelId)).toEqual(['untraced']);
      expect(again.madeFrom('53995c3f42cd8ad8').map((c) => c.modelId)).toEqual(['by-state']);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('keeps the newest 10,000 calls', () => {
    const ledger = new ModelCallLedger(new DatabaseSync(':memory:'));
    const at = new Date(0).toISOString();
    for (let i = 1; i <= 10_005; i++) ledger.record({ ...CALL, at, modelId: `m-${i}` });
    const kept = ledger.list();
    expect(kept).toHaveLength(10_000);
    expect(kept.at(-1)?.modelId).toBe('m-6');
  });
});

const CALL = {
  at: '',
  modelId: 'm',
  model: 'm',
  backend: 'simulated',
  inputTokens: 1,
  outputTokens: 1,
  cacheReadInputTokens: 0,
  cacheWriteInputTokens: 0,
  latencyMs: 1,
};
