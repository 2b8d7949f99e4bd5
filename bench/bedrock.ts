/**
 * The local Bedrock's overhead over its backend (`npm run bench:bedrock`): an OpenAI-compatible
 * server that answers at once stands in for the model; the same chat is asked of it directly
 * (HTTP/1.1, keep-alive) and through the local runtime's Converse (the SDK v3 client, HTTP/2,
 * `SWITCHYARD_MODELS=openai:<url>`), CALLS times each after a warm-up. The runtime runs in a
 * process of its own (bench/bedrock-runtime.ts), as under `switchyard dev`: in one process,
 * every ~100 calls a 10-15 ms garbage collection of the client's and the backend's garbage
 * paused the runtime mid-call (seen with --cpu-prof), which no user's runtime shares.
 * The runtime's own young-generation collections remain (`BENCH_NODE_FLAGS=--trace-gc` shows
 * scavenges of a few ms every few hundred calls): with scheduling noise, most of its p99. Reported: p50 and p99 of
 * each and of the difference, and the first-token delay ConverseStream adds (first event the
 * SDK decodes, against the first chunk read directly). Target: each under 5 ms at p99.
 *
 *   BENCH_CALLS=1000 npm run bench:bedrock
 *   BENCH_WARMUP=300 npm run bench:bedrock          # calls before measuring (default 30)
 *   BENCH_NODE_FLAGS=--trace-gc npm run bench:bedrock   # Node flags for the runtime's process
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg } from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { BedrockRuntimeClient, ConverseCommand, ConverseStreamCommand } from '@aws-sdk/client-bedrock-runtime';

const CALLS = Number(process.env.BENCH_CALLS ?? 300);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 30);
const GOAL_P99_MS = 5;
const MODEL = 'anthropic.claude-sonnet-4-6';

/** Answers every chat at once: a short text, or (streamed) two chunks and the usage. */
const backend = createServer((req, res) => {
  let body = '';
  req.on('data', (chunk) => {
    body += chunk;
  });
  req.on('end', () => {
    const asked = JSON.parse(body) as { stream?: boolean };
    if (asked.stream) {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const delta of [{ role: 'assistant', content: 'Hello' }, { content: ' there' }]) {
        res.write(`data: ${JSON.stringify({ choices: [{ index: 0, delta, finish_reason: null }] })}\n\n`);
      }
      res.write(
        `data: ${JSON.stringify({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], usage: { prompt_tokens: 9, completion_tokens: 2, total_tokens: 11 } })}\n\n`,
      );
      res.end('data: [DONE]\n\n');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        id: 'c',
        object: 'chat.completion',
        choices: [{ index: 0, message: { role: 'assistant', content: 'Hello there' }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 9, completion_tokens: 2, total_tokens: 11 },
      }),
    );
  });
});
await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
const backendUrl = `http://127.0.0.1:${(backend.address() as AddressInfo).port}/v1`;

const agent = new Agent({ keepAlive: true });
/** One chat asked of the backend directly; resolves with the time to the whole answer and to its first chunk. */
function direct(stream: boolean): Promise<{ total: number; first: number }> {
  const started = performance.now();
  const payload = JSON.stringify({ model: MODEL, stream, messages: [{ role: 'user', content: 'Hi' }] });
  return new Promise((resolve, reject) => {
    const req = request(
      `${backendUrl}/chat/completions`,
      { method: 'POST', agent, headers: { 'content-type': 'application/json' } },
      (res) => {
        let first = 0;
        res.on('data', () => {
          first ||= performance.now() - started;
        });
        res.on('end', () => resolve({ total: performance.now() - started, first }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

const child = spawn(
  process.execPath,
  [
    ...(process.env.BENCH_NODE_FLAGS ? process.env.BENCH_NODE_FLAGS.split(' ') : []),
    '--import',
    'tsx',
    path.join(import.meta.dirname, 'bedrock-runtime.ts'),
    backendUrl,
  ],
  {
    stdio: ['ignore', 'pipe', 'inherit'],
  },
);
const runtimeUrl = await new Promise<string>((resolve, reject) => {
  child.once('exit', (code) => reject(new Error(`bench/bedrock-runtime.ts exited with ${code} before it was ready`)));
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (line.startsWith('READY ')) resolve(line.slice('READY '.length));
    else console.error(line);
  });
});
const client = new BedrockRuntimeClient({
  endpoint: runtimeUrl,
  region: 'us-east-1',
  credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
});
const messages = [{ role: 'user' as const, content: [{ text: 'Hi' }] }];

async function throughConverse(): Promise<number> {
  const started = performance.now();
  await client.send(new ConverseCommand({ modelId: MODEL, messages }));
  return performance.now() - started;
}

async function throughStream(): Promise<number> {
  const started = performance.now();
  const { stream } = await client.send(new ConverseStreamCommand({ modelId: MODEL, messages }));
  let first = 0;
  for await (const event of stream ?? []) {
    if (event.contentBlockDelta !== undefined) first ||= performance.now() - started;
  }
  return first;
}

async function sample<T>(run: () => Promise<T>): Promise<T[]> {
  for (let i = 0; i < WARMUP; i++) await run();
  const out: T[] = [];
  for (let i = 0; i < CALLS; i++) out.push(await run());
  return out;
}

const pct = (values: readonly number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
};
const ms = (n: number) => `${n.toFixed(2)} ms`;

try {
  const plain = (await sample(() => direct(false))).map((r) => r.total);
  const local = await sample(throughConverse);
  const streamedDirect = (await sample(() => direct(true))).map((r) => r.first);
  const streamedLocal = await sample(throughStream);
  const overhead = { p50: pct(local, 50) - pct(plain, 50), p99: pct(local, 99) - pct(plain, 99) };
  const firstToken = { p50: pct(streamedLocal, 50) - pct(streamedDirect, 50), p99: pct(streamedLocal, 99) - pct(streamedDirect, 99) };
  console.log(`bench:bedrock: ${CALLS} calls each after ${WARMUP} to warm up; ${cpus().length} cores, load ${loadavg()[0]?.toFixed(2)}`);
  console.log(`  backend directly:          p50 ${ms(pct(plain, 50))}, p99 ${ms(pct(plain, 99))}`);
  console.log(`  through the local Converse: p50 ${ms(pct(local, 50))}, p99 ${ms(pct(local, 99))}`);
  console.log(`  overhead:                   p50 ${ms(overhead.p50)}, p99 ${ms(overhead.p99)} (goal: under ${GOAL_P99_MS} ms at p99)`);
  console.log(
    `  ConverseStream first token: p50 ${ms(pct(streamedLocal, 50))} against ${ms(pct(streamedDirect, 50))} directly; adds p50 ${ms(firstToken.p50)}, p99 ${ms(firstToken.p99)}`,
  );
  if (overhead.p99 >= GOAL_P99_MS) {
    console.error(`bench:bedrock: MISSED: the local Bedrock adds ${ms(overhead.p99)} at p99 (goal ${GOAL_P99_MS} ms)`);
    process.exitCode = 1;
  }
  if (firstToken.p99 >= GOAL_P99_MS) {
    console.error(`bench:bedrock: MISSED: ConverseStream's first token comes ${ms(firstToken.p99)} later at p99 (goal ${GOAL_P99_MS} ms)`);
    process.exitCode = 1;
  }
} finally {
  client.destroy();
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
  backend.close();
  agent.destroy();
}
