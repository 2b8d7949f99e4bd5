/**
 * What structured outputs add to a local Bedrock call, in the runtime's process (no HTTP):
 * checking the request's schema (draft 2020-12 meta-schema, the subset, the limits), the
 * simulated answer (building a value and checking it) and the check of a backend's answer,
 * for a small schema (a ticket: 8 members, a $ref, a union) and a large one (20 such
 * tickets side by side), CALLS times each after a warm-up. Reported: p50 and p99 in ms.
 *
 *   node --import tsx bench/bedrock-structured.ts
 *   BENCH_CALLS=5000 node --import tsx bench/bedrock-structured.ts
 */
import type { ModelRequest } from '../local/bedrock/conversation.js';
import { resolveModel } from '../local/bedrock/model-ids.js';
import { conformanceError, exampleJson } from '../local/bedrock/structured-output.js';
import { CONVERSE_API, checkStructuredOutput } from '../local/bedrock/structured-schema.js';

const CALLS = Number(process.env.BENCH_CALLS ?? 2000);
const WARMUP = 100;

const ticket = {
  type: 'object',
  properties: {
    summary: { type: 'string' },
    priority: { type: 'string', enum: ['low', 'normal', 'urgent'] },
    customer: { $ref: '#/$defs/customer' },
    labels: { type: 'array', items: { type: 'string', pattern: '^[a-z]+$' }, minItems: 1 },
    dueBy: { anyOf: [{ type: 'string', format: 'date' }, { type: 'null' }] },
    escalate: { type: 'boolean' },
    score: { type: 'number' },
    kind: { const: 'ticket' },
  },
  required: ['summary', 'priority', 'customer', 'labels', 'dueBy', 'escalate', 'score', 'kind'],
  additionalProperties: false,
};
const customer = {
  type: 'object',
  properties: { email: { type: 'string', format: 'email' }, id: { type: 'string', format: 'uuid' } },
  required: ['email', 'id'],
  additionalProperties: false,
};
const small = { ...ticket, $defs: { customer } };
const names = Array.from({ length: 16 }, (_, i) => `t${i}`);
const large = {
  type: 'object',
  properties: Object.fromEntries(
    names.map((name) => [name, { ...ticket, properties: { ...ticket.properties, dueBy: { type: 'string' } } }]),
  ),
  required: names,
  additionalProperties: false,
  $defs: { customer },
};

const { model } = resolveModel('us.anthropic.claude-sonnet-4-5-20250929-v1:0', 'us-east-1');

function measure(label: string, run: () => void): void {
  for (let i = 0; i < WARMUP; i++) run();
  const times: number[] = [];
  for (let i = 0; i < CALLS; i++) {
    const started = performance.now();
    run();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => (times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? 0).toFixed(3);
  console.log(`${label.padEnd(44)} p50 ${at(0.5)} ms  p99 ${at(0.99)} ms`);
}

for (const [name, schema] of [
  ['small', small],
  ['large', large],
] as const) {
  const request: ModelRequest = {
    modelId: model.id,
    system: [],
    messages: [{ role: 'user', content: [{ text: 'triage' }] }],
    tools: [],
    stopSequences: [],
    outputSchema: { schema },
  };
  const text = exampleJson(schema);
  console.log(`${name} schema: ${JSON.stringify(schema).length} bytes, answer ${text.length} bytes`);
  measure(`  request check (meta-schema, subset, limits)`, () => checkStructuredOutput(model, request, CONVERSE_API));
  measure(`  simulated answer (build and check)`, () => exampleJson(schema));
  measure(`  answer check (parse and validate)`, () => conformanceError(request, { content: [{ text }], stopReason: 'end_turn' }, 'b'));
}
