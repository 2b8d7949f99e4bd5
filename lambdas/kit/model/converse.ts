import {
  type BedrockRuntimeClient,
  type ContentBlock,
  ConverseCommand,
  type ConverseCommandInput,
  type ConverseCommandOutput,
  type Message,
  type SystemContentBlock,
  type Tool,
  type ToolResultBlock,
} from '@aws-sdk/client-bedrock-runtime';
import type { Static, TSchema } from 'typebox';
import { captureModelClient } from '../tracing/genai.js';
import { ModelOutputInvalidError, ModelStepLimitError, modelErrorOf } from './errors.js';
import { checkToolInput, type ModelTool, toolSpecOf } from './tools.js';
import { addUsage, type ModelUsage, NO_USAGE, usageOf } from './usage.js';

/** How a ConverseModel calls its model; every field but the client and the id has a default. */
export interface ConverseModelOptions {
  /** A client made at module scope (cold start counts), pointed at Bedrock Runtime. */
  readonly client: BedrockRuntimeClient;
  /** A model id, an inference profile id (`us.`, `eu.`, `global.` ...) or an ARN: what `BedrockModel.connect` gives the function. */
  readonly modelId: string;
  /** @default 1024 */
  readonly maxTokens?: number;
  /** @default - the model's own default */
  readonly temperature?: number;
  /**
   * Put a cache point after the system prompt and after the tools, so a model that caches
   * prompts reads them from its cache on the next call (usage reports cache reads and writes).
   * @default false
   */
  readonly cachePrompt?: boolean;
  /** Bedrock's service tier (`priority`, `default`, `flex`). @default - the service's default */
  readonly serviceTier?: 'priority' | 'default' | 'flex';
}

/** One call's request: a prompt (one user message) or a conversation, with an optional system prompt and tools. */
export interface ModelRequest {
  readonly system?: string;
  readonly prompt?: string;
  /** The conversation so far; `prompt` is appended as the last user message. */
  readonly messages?: readonly Message[];
  readonly tools?: readonly ModelTool[];
  /** Force a tool (`{ tool: name }`), any tool (`any`), or leave it to the model (`auto`). @default 'auto' when there are tools */
  readonly toolChoice?: 'auto' | 'any' | { readonly tool: string };
  readonly maxTokens?: number;
  readonly stopSequences?: readonly string[];
}

/** A model's answer to one call. */
export interface ModelAnswer {
  readonly message: Message;
  /** `end_turn`, `tool_use`, `max_tokens`, `stop_sequence`, `guardrail_intervened`, `content_filtered` ... */
  readonly stopReason: string;
  /** The message's text blocks, joined. */
  readonly text: string;
  readonly usage: ModelUsage;
  readonly latencyMs: number;
}

/** The outcome of a tool-use loop: the final answer, every message of it, the usage of all its calls. */
export interface ToolLoopResult {
  readonly text: string;
  readonly messages: readonly Message[];
  readonly usage: ModelUsage;
  /** How many model calls it took. */
  readonly steps: number;
}

/**
 * The kit's model port for Bedrock's Converse API: one call (`generate`), structured output
 * through a forced tool whose input is checked against a TypeBox schema (`structured`), and
 * a tool-use loop with a step limit (`runTools`). Every answer carries the usage the model
 * reported, to settle token budgets with (`settleModelCall(deps, reservation, usage.totalTokens)`).
 * Errors are the kit's, by stable name: ModelThrottled and ModelUnavailable (retryable; a
 * throttle's cause pauses keyed flow control), ModelRequestInvalid and ModelStepLimit
 * (permanent), ModelOutputInvalid.
 */
export class ConverseModel {
  readonly modelId: string;
  readonly #options: ConverseModelOptions;

  constructor(options: ConverseModelOptions) {
    if (options.modelId.trim() === '') throw new TypeError('ConverseModel needs a modelId (got an empty string)');
    this.modelId = options.modelId;
    // Every call is a GenAI span when the function records OpenTelemetry spans (the client is captured once).
    this.#options = { ...options, client: captureModelClient(options.client) };
  }

  /** One Converse call. */
  async generate(request: ModelRequest): Promise<ModelAnswer> {
    let output: ConverseCommandOutput;
    try {
      output = await this.#options.client.send(new ConverseCommand(this.#input(request)));
    } catch (error) {
      throw modelErrorOf(error, this.modelId);
    }
    const message = output.output?.message ?? { role: 'assistant', content: [] };
    return {
      message,
      stopReason: output.stopReason ?? 'end_turn',
      text: textOf(message),
      usage: usageOf(output.usage),
      latencyMs: output.metrics?.latencyMs ?? 0,
    };
  }

  /**
   * Structured output: the model must call one tool whose input is `schema`; the input,
   * checked against the schema, is the answer. ModelOutputInvalid when it does not call it
   * or its input breaks the schema.
   */
  async structured<S extends TSchema>(
    request: Omit<ModelRequest, 'tools' | 'toolChoice'> & { readonly name: string; readonly description: string; readonly schema: S },
  ): Promise<{ readonly output: Static<S>; readonly usage: ModelUsage; readonly latencyMs: number }> {
    const tool: ModelTool = { name: request.name, description: request.description, input: request.schema };
    const answer = await this.generate({ ...request, tools: [tool], toolChoice: { tool: request.name } });
    const call = answer.message.content?.find((block) => block.toolUse?.name === request.name)?.toolUse;
    if (call === undefined) {
      throw new ModelOutputInvalidError(`${this.modelId} did not call ${request.name} (stop reason ${answer.stopReason})`);
    }
    const checked = checkToolInput(tool, call.input);
    if (!checked.ok)
      throw new ModelOutputInvalidError(`${this.modelId} called ${request.name} with an input its schema refuses: ${checked.errors}`);
    return { output: checked.value as Static<S>, usage: answer.usage, latencyMs: answer.latencyMs };
  }

  /**
   * The tool-use loop: call the model; while it asks for tools, run each (an input its
   * schema refuses, or a tool that throws, goes back to the model as an error result so it
   * can correct itself) and call it again with the results; stop at its final answer.
   * ModelStepLimit after `maxSteps` calls without one.
   */
  async runTools(request: ModelRequest & { readonly tools: readonly ModelTool[]; readonly maxSteps?: number }): Promise<ToolLoopResult> {
    const maxSteps = request.maxSteps ?? 8;
    if (!Number.isInteger(maxSteps) || maxSteps < 1) throw new TypeError(`maxSteps must be a whole number of at least 1 (got ${maxSteps})`);
    const messages: Message[] = [...(request.messages ?? []), ...(request.prompt === undefined ? [] : [userMessage(request.prompt)])];
    let usage = NO_USAGE;
    for (let step = 1; step <= maxSteps; step++) {
      const answer = await this.generate({ ...request, prompt: undefined, messages });
      usage = addUsage(usage, answer.usage);
      messages.push(answer.message);
      if (answer.stopReason !== 'tool_use') return { text: answer.text, messages, usage, steps: step };
      messages.push({ role: 'user', content: await runToolCalls(answer.message, request.tools) });
    }
    throw new ModelStepLimitError(`${this.modelId} was still calling tools after ${maxSteps} steps`);
  }

  #input(request: ModelRequest): ConverseCommandInput {
    const { cachePrompt, maxTokens, temperature, serviceTier } = this.#options;
    const messages = [...(request.messages ?? []), ...(request.prompt === undefined ? [] : [userMessage(request.prompt)])];
    if (messages.length === 0) throw new TypeError('a model request needs a prompt or messages');
    const system: SystemContentBlock[] | undefined =
      request.system === undefined
        ? undefined
        : [{ text: request.system }, ...(cachePrompt ? [{ cachePoint: { type: 'default' } } as SystemContentBlock] : [])];
    const tools: Tool[] | undefined =
      request.tools === undefined || request.tools.length === 0
        ? undefined
        : [...request.tools.map(toolSpecOf), ...(cachePrompt ? [{ cachePoint: { type: 'default' } } as Tool] : [])];
    return {
      modelId: this.modelId,
      messages,
      ...(system === undefined ? {} : { system }),
      inferenceConfig: {
        maxTokens: request.maxTokens ?? maxTokens ?? 1024,
        ...(temperature === undefined ? {} : { temperature }),
        ...(request.stopSequences === undefined ? {} : { stopSequences: [...request.stopSequences] }),
      },
      ...(tools === undefined ? {} : { toolConfig: { tools, toolChoice: toolChoiceOf(request.toolChoice) } }),
      ...(serviceTier === undefined ? {} : { serviceTier: { type: serviceTier } }),
    } as ConverseCommandInput;
  }
}

function userMessage(text: string): Message {
  return { role: 'user', content: [{ text }] };
}

function textOf(message: Message): string {
  return (message.content ?? []).flatMap((block) => (block.text === undefined ? [] : [block.text])).join('');
}

function toolChoiceOf(choice: ModelRequest['toolChoice']): NonNullable<ConverseCommandInput['toolConfig']>['toolChoice'] {
  if (choice === undefined || choice === 'auto') return { auto: {} };
  if (choice === 'any') return { any: {} };
  return { tool: { name: choice.tool } };
}

/** The results of the tool calls a message asks for, as the next user message's content. */
async function runToolCalls(message: Message, tools: readonly ModelTool[]): Promise<ContentBlock[]> {
  const calls = (message.content ?? []).flatMap((block) => (block.toolUse === undefined ? [] : [block.toolUse]));
  return Promise.all(
    calls.map(async (call): Promise<ContentBlock> => {
      const result = (status: ToolResultBlock['status'], json: unknown): ContentBlock => ({
        toolResult: { toolUseId: call.toolUseId, status, content: [{ json: json as never }] },
      });
      const tool = tools.find((t) => t.name === call.name);
      if (tool?.run === undefined) return result('error', { error: `there is no tool ${call.name} to run` });
      const checked = checkToolInput(tool, call.input);
      if (!checked.ok) return result('error', { error: `the input breaks ${tool.name}'s schema: ${checked.errors}` });
      try {
        const output = await tool.run(checked.value as never);
        return result('success', output === undefined ? {} : isObject(output) ? output : { result: output });
      } catch (error) {
        return result('error', { error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
      }
    }),
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
