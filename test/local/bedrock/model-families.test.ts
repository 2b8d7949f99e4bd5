import {
  ConverseCommand,
  ConverseStreamCommand,
  InvokeModelCommand,
  InvokeModelWithResponseStreamCommand,
} from '@aws-sdk/client-bedrock-runtime';
import { describe, expect, it } from 'vitest';
import { useBedrockRuntime } from './bedrock-runtime.js';

// biome-ignore lint/suspicious/noExplicitAny: model answers read as plain JSON, field by field
type Json = Record<string, any>;

/** Models past their end of life answered anyway (eol=serve), so their bodies can be checked. */
const MODELS = 'amazon.titan-text-*=simulated?eol=serve,cohere.command-*=simulated?eol=serve,simulated';

const bedrock = useBedrockRuntime(MODELS);

const invoke = async (modelId: string, body: unknown): Promise<{ answer: Json; headers: Json }> => {
  const response = await bedrock.client.send(
    new InvokeModelCommand({ modelId, body: JSON.stringify(body), contentType: 'application/json' }),
  );
  return { answer: JSON.parse(new TextDecoder().decode(response.body)), headers: response.$metadata };
};

const streamed = async (modelId: string, body: unknown): Promise<Json[]> => {
  const response = await bedrock.client.send(new InvokeModelWithResponseStreamCommand({ modelId, body: JSON.stringify(body) }));
  const chunks: Json[] = [];
  for await (const event of response.body ?? []) chunks.push(JSON.parse(new TextDecoder().decode(event.chunk?.bytes)));
  return chunks;
};

const ask = (text: string) => [{ role: 'user' as const, content: [{ text }] }];

const tool = {
  toolSpec: { name: 'lookup', inputSchema: { json: { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] } } },
};

/** The metrics Bedrock puts in the last chunk of a stream, and in no other. */
function expectMetricsLast(chunks: Json[]): void {
  expect(chunks.at(-1)?.['amazon-bedrock-invocationMetrics']).toMatchObject({
    inputTokenCount: expect.any(Number),
    outputTokenCount: expect.any(Number),
    invocationLatency: expect.any(Number),
    firstByteLatency: expect.any(Number),
  });
  expect(chunks.slice(0, -1).some((chunk) => 'amazon-bedrock-invocationMetrics' in chunk)).toBe(false);
}

describe('Bedrock model families in their native bodies', () => {
  it('answers Titan Text with inputTextTokenCount and results, LENGTH when cut at maxTokenCount', async () => {
    const body = { inputText: 'Summarize: the cat sat on the mat.', textGenerationConfig: { maxTokenCount: 512, temperature: 0 } };
    const { answer } = await invoke('amazon.titan-text-express-v1', body);
    expect(Object.keys(answer).sort()).toEqual(['inputTextTokenCount', 'results']);
    expect(answer.results).toEqual([
      { tokenCount: expect.any(Number), outputText: expect.stringContaining('the cat sat'), completionReason: 'FINISHED' },
    ]);
    const cut = await invoke('amazon.titan-text-express-v1', { ...body, textGenerationConfig: { maxTokenCount: 2 } });
    expect(cut.answer.results[0]).toMatchObject({ tokenCount: 2, completionReason: 'LENGTH' });
    const chunks = await streamed('amazon.titan-text-express-v1', body);
    expect(chunks.map((chunk) => chunk.outputText).join('')).toBe(answer.results[0].outputText);
    expect(chunks[0]?.inputTextTokenCount).toBe(answer.inputTextTokenCount);
    expect(chunks.at(-1)).toMatchObject({ completionReason: 'FINISHED', totalOutputTextTokenCount: expect.any(Number) });
    expectMetricsLast(chunks);
  });

  it('answers Claude v2 Text Completions (a prompt, no anthropic_version) with completion, stop_reason and stop, streamed piece by piece', async () => {
    const body = { prompt: '\n\nHuman: What is the capital of France?\n\nAssistant:', max_tokens_to_sample: 200, temperature: 0.5 };
    const { answer } = await invoke('anthropic.claude-v2', body);
    expect(answer).toEqual({
      type: 'completion',
      completion: expect.stringContaining('What is the capital of France?'),
      stop_reason: 'stop_sequence',
      stop: '\n\nHuman:',
    });
    const chunks = await streamed('anthropic.claude-v2:1', body);
    expect(chunks.map((chunk) => chunk.completion).join('')).toContain('What is the capital of France?');
    expect(chunks.at(-1)).toMatchObject({ stop_reason: 'stop_sequence', stop: '\n\nHuman:' });
    expect(chunks.slice(0, -1).every((chunk) => chunk.stop_reason === null)).toBe(true);
    expectMetricsLast(chunks);
    await expect(invoke('anthropic.claude-v2', { prompt: body.prompt })).rejects.toThrow(
      'Malformed input request: #: required key [max_tokens_to_sample] not found, please reformat your input and try again.',
    );
  });

  it('answers Llama with generation and its token counts, streamed piece by piece', async () => {
    const { answer } = await invoke('meta.llama3-3-70b-instruct-v1:0', { prompt: 'Hello Llama', max_gen_len: 100 });
    expect(answer).toEqual({
      generation: expect.stringContaining('Hello Llama'),
      prompt_token_count: expect.any(Number),
      generation_token_count: expect.any(Number),
      stop_reason: 'stop',
    });
    const chunks = await streamed('meta.llama3-3-70b-instruct-v1:0', { prompt: 'Hello Llama', max_gen_len: 100 });
    expect(chunks.map((chunk) => chunk.generation).join('')).toBe(answer.generation);
    expect(chunks.at(-1)?.stop_reason).toBe('stop');
    expectMetricsLast(chunks);
  });

  it('answers Mistral text completions with outputs and chat completions with choices', async () => {
    const prompt = '<s>[INST] What is your favourite condiment? [/INST]';
    const text = await invoke('mistral.mistral-7b-instruct-v0:2', { prompt, max_tokens: 200 });
    expect(text.answer).toEqual({ outputs: [{ text: expect.stringContaining('condiment'), stop_reason: 'stop' }] });
    const chunks = await streamed('mistral.mistral-7b-instruct-v0:2', { prompt, max_tokens: 200 });
    expect(chunks.map((chunk) => chunk.outputs[0].text).join('')).toBe(text.answer.outputs[0].text);
    expectMetricsLast(chunks);
    const chat = await invoke('mistral.mistral-large-2407-v1:0', { messages: [{ role: 'user', content: 'Hi Mistral' }], max_tokens: 3 });
    expect(chat.answer).toEqual({
      choices: [{ index: 0, message: { role: 'assistant', content: expect.any(String) }, stop_reason: 'length' }],
    });
  });

  it('answers Cohere Command R with text, generation_id, chat_history and finish_reason, streamed as its events', async () => {
    const body = {
      message: 'Hello Cohere',
      chat_history: [
        { role: 'USER', message: 'earlier' },
        { role: 'CHATBOT', message: 'yes' },
      ],
    };
    const { answer } = await invoke('cohere.command-r-v1:0', body);
    expect(answer).toMatchObject({
      text: expect.stringContaining('Hello Cohere'),
      generation_id: expect.any(String),
      finish_reason: 'COMPLETE',
    });
    expect(answer.chat_history).toEqual([
      ...body.chat_history,
      { role: 'USER', message: 'Hello Cohere' },
      { role: 'CHATBOT', message: answer.text },
    ]);
    const chunks = await streamed('cohere.command-r-v1:0', body);
    expect(chunks.map((chunk) => chunk.event_type)).toEqual([
      'stream-start',
      ...chunks.slice(1, -1).map(() => 'text-generation'),
      'stream-end',
    ]);
    expect(chunks.at(-1)).toMatchObject({ is_finished: true, finish_reason: 'COMPLETE', response: { text: answer.text } });
    expectMetricsLast(chunks);
  });

  it('answers AI21 Jamba with choices and usage, streamed as deltas with usage at the end', async () => {
    const body = {
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi Jamba' },
      ],
      max_tokens: 100,
    };
    const { answer } = await invoke('ai21.jamba-1-5-mini-v1:0', body);
    expect(answer).toMatchObject({
      id: expect.any(String),
      choices: [{ index: 0, message: { role: 'assistant', content: expect.stringContaining('Hi Jamba') }, finish_reason: 'stop' }],
      usage: { prompt_tokens: expect.any(Number), completion_tokens: expect.any(Number), total_tokens: expect.any(Number) },
    });
    const chunks = await streamed('ai21.jamba-1-5-mini-v1:0', body);
    expect(chunks.map((chunk) => chunk.choices[0].delta.content ?? '').join('')).toBe(answer.choices[0].message.content);
    expect(chunks.at(-1)).toMatchObject({ choices: [{ finish_reason: 'stop' }], usage: answer.usage });
    expectMetricsLast(chunks);
  });

  it('answers DeepSeek through its US profile with choices of text and stop_reason', async () => {
    const { answer } = await invoke('us.deepseek.r1-v1:0', { prompt: 'Think about it', max_tokens: 100 });
    expect(answer).toEqual({ choices: [{ text: expect.stringContaining('Think about it'), stop_reason: 'stop' }] });
    const chunks = await streamed('us.deepseek.r1-v1:0', { prompt: 'Think about it', max_tokens: 100 });
    expect(chunks.map((chunk) => chunk.choices[0].text).join('')).toBe(answer.choices[0].text);
    expectMetricsLast(chunks);
    await expect(invoke('deepseek.r1-v1:0', { prompt: 'x' })).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('with on-demand throughput isn’t supported'),
    });
  });

  it('answers gpt-oss as an OpenAI chat completion, tool calls included', async () => {
    const body = {
      messages: [{ role: 'user', content: 'Look it up' }],
      max_completion_tokens: 200,
      tools: [{ type: 'function', function: { name: 'lookup', parameters: tool.toolSpec.inputSchema.json } }],
      tool_choice: 'required',
    };
    const { answer } = await invoke('openai.gpt-oss-20b-1:0', body);
    expect(answer).toMatchObject({ object: 'chat.completion', model: 'openai.gpt-oss-20b-1:0', created: expect.any(Number) });
    expect(answer.choices[0]).toMatchObject({
      finish_reason: 'tool_calls',
      message: { role: 'assistant', tool_calls: [{ type: 'function', function: { name: 'lookup', arguments: expect.any(String) } }] },
    });
    expect(JSON.parse(answer.choices[0].message.tool_calls[0].function.arguments)).toEqual({ q: expect.any(String) });
    const chunks = await streamed('openai.gpt-oss-20b-1:0', { messages: [{ role: 'user', content: 'Hi' }] });
    expect(chunks.every((chunk) => chunk.object === 'chat.completion.chunk')).toBe(true);
    expect(chunks.at(-1)).toMatchObject({ choices: [{ finish_reason: 'stop' }], usage: { total_tokens: expect.any(Number) } });
    expectMetricsLast(chunks);
  });

  it('fails if a native body misses its required key, with Bedrock text', async () => {
    await expect(invoke('amazon.titan-text-express-v1', { textGenerationConfig: {} })).rejects.toMatchObject({
      name: 'ValidationException',
      message: 'Malformed input request: #: required key [inputText] not found, please reformat your input and try again.',
    });
    await expect(invoke('meta.llama3-3-70b-instruct-v1:0', { prompt: 5 })).rejects.toMatchObject({ name: 'ValidationException' });
  });
});

describe('Converse with each family', () => {
  it('answers Converse and ConverseStream for every chat family', async () => {
    for (const modelId of [
      'amazon.titan-text-express-v1',
      'meta.llama3-3-70b-instruct-v1:0',
      'mistral.mistral-large-2407-v1:0',
      'cohere.command-r-plus-v1:0',
      'ai21.jamba-1-5-large-v1:0',
      'us.deepseek.r1-v1:0',
      'openai.gpt-oss-120b-1:0',
      'qwen.qwen3-32b-v1:0',
      'us.writer.palmyra-x5-v1:0',
    ]) {
      const answer = await bedrock.client.send(new ConverseCommand({ modelId, messages: ask(`hello ${modelId}`) }));
      expect(answer.output?.message?.content?.[0]?.text, modelId).toContain(modelId);
      const stream = await bedrock.client.send(new ConverseStreamCommand({ modelId, messages: ask('stream') }));
      const kinds: string[] = [];
      for await (const event of stream.stream ?? []) kinds.push(Object.keys(event).find((key) => (event as Json)[key] !== undefined) ?? '');
      expect(kinds[0], modelId).toBe('messageStart');
      expect(kinds.at(-1), modelId).toBe('metadata');
    }
  });

  it('fails if a system prompt goes to a model that takes none, with Bedrock text', async () => {
    for (const modelId of ['amazon.titan-text-express-v1', 'mistral.mistral-7b-instruct-v0:2']) {
      await expect(
        bedrock.client.send(new ConverseCommand({ modelId, messages: ask('hi'), system: [{ text: 'Be brief.' }] })),
      ).rejects.toMatchObject({
        name: 'ValidationException',
        message: expect.stringContaining("This model doesn't support system messages."),
      });
    }
    const llama = await bedrock.client.send(
      new ConverseCommand({ modelId: 'meta.llama3-3-70b-instruct-v1:0', messages: ask('hi'), system: [{ text: 'Be brief.' }] }),
    );
    expect(llama.stopReason).toBe('end_turn');
  });

  it('fails if tools go to a model without tool use, or in a stream to one without streaming tool use', async () => {
    await expect(
      bedrock.client.send(new ConverseCommand({ modelId: 'us.deepseek.r1-v1:0', messages: ask('hi'), toolConfig: { tools: [tool] } })),
    ).rejects.toMatchObject({ name: 'ValidationException', message: "This model doesn't support tool use." });
    const llama = {
      modelId: 'meta.llama3-3-70b-instruct-v1:0',
      messages: ask('hi'),
      toolConfig: { tools: [tool], toolChoice: { any: {} } },
    };
    expect((await bedrock.client.send(new ConverseCommand(llama))).stopReason).toBe('tool_use');
    await expect(bedrock.client.send(new ConverseStreamCommand(llama))).rejects.toMatchObject({
      name: 'ValidationException',
      message: "This model doesn't support tool use in streaming mode.",
    });
    const jamba = await bedrock.client.send(new ConverseStreamCommand({ ...llama, modelId: 'ai21.jamba-1-5-mini-v1:0' }));
    for await (const _event of jamba.stream ?? []) {
      // Jamba streams tool use: the stream runs to its end.
    }
  });
});
