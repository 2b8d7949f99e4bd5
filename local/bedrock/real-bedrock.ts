import { AwsError } from '../endpoint/aws-error.js';
import type { AnswerBlock, ModelAnswer, ModelRequest } from './conversation.js';
import type { ModelBackend, ModelCall } from './simulated.js';

type Client = { send(command: unknown): Promise<Record<string, unknown>>; destroy(): void };

/**
 * `bedrock[:<region>]`: real Bedrock, through the SDK's Converse with its default credential
 * chain, at `https://bedrock-runtime.<region>.amazonaws.com` (never the endpoint variables
 * the shell may point at the local runtime) unless `endpoint` names another. The call goes
 * to the id the caller asked for (a profile id where the model needs one). Bedrock's own
 * errors come back as they are; one that never reached it is ServiceUnavailableException.
 */
export class RealBedrockBackend implements ModelBackend {
  readonly name: string;
  #client: Promise<{ client: Client; command: new (input: unknown) => unknown }> | undefined;

  constructor(
    private readonly region: string,
    private readonly endpoint?: string,
  ) {
    this.name = `bedrock:${region}`;
  }

  async answer(request: ModelRequest, call?: ModelCall): Promise<ModelAnswer> {
    const { client, command } = await this.#sdk();
    let output: Record<string, unknown>;
    try {
      output = await client.send(new command(converseInput(request, call?.requested ?? request.modelId)));
    } catch (error) {
      const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
      const status = e.$metadata?.httpStatusCode;
      if (status !== undefined)
        throw new AwsError(e.name ?? 'ModelErrorException', e.message ?? 'Bedrock failed', status, { cause: error });
      throw new AwsError('ServiceUnavailableException', `Bedrock is unable to process your request. (${this.name}: ${e.message})`, 503, {
        cause: error,
      });
    }
    const message = (output.output as { message?: { content?: AnswerBlock[] } } | undefined)?.message;
    const usage = output.usage as { inputTokens?: number; outputTokens?: number } | undefined;
    return {
      content: message?.content ?? [{ text: '' }],
      stopReason: (output.stopReason as ModelAnswer['stopReason']) ?? 'end_turn',
      ...(usage?.inputTokens !== undefined && usage.outputTokens !== undefined
        ? { usage: { inputTokens: usage.inputTokens, outputTokens: usage.outputTokens } }
        : {}),
    };
  }

  #sdk() {
    this.#client ??= import('@aws-sdk/client-bedrock-runtime').then((sdk) => ({
      client: new sdk.BedrockRuntimeClient({
        region: this.region,
        endpoint: this.endpoint ?? `https://bedrock-runtime.${this.region}.amazonaws.com`,
      }) as unknown as Client,
      command: sdk.ConverseCommand as unknown as new (input: unknown) => unknown,
    }));
    return this.#client;
  }
}

/** A ModelRequest as Converse's input again (cache points stay where they were; tools keep `strict`, an output schema goes back to `outputConfig`). */
function converseInput(request: ModelRequest, modelId: string): Record<string, unknown> {
  const choice = request.toolChoice;
  return {
    modelId,
    messages: request.messages,
    ...(request.system.length > 0 ? { system: request.system } : {}),
    ...(request.tools.length > 0
      ? {
          toolConfig: {
            tools: request.tools.map((tool) => ({ toolSpec: { ...tool, inputSchema: { json: tool.inputSchema } } })),
            ...(choice ? { toolChoice: choice.kind === 'tool' ? { tool: { name: choice.name } } : { [choice.kind]: {} } } : {}),
          },
        }
      : {}),
    ...(request.outputSchema
      ? {
          outputConfig: {
            textFormat: {
              type: 'json_schema',
              structure: { jsonSchema: { ...request.outputSchema, schema: JSON.stringify(request.outputSchema.schema) } },
            },
          },
        }
      : {}),
    inferenceConfig: {
      ...(request.maxTokens === undefined ? {} : { maxTokens: request.maxTokens }),
      ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
      ...(request.topP === undefined ? {} : { topP: request.topP }),
      ...(request.stopSequences.length === 0 ? {} : { stopSequences: request.stopSequences }),
    },
  };
}
