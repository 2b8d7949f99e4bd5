import { validationError } from '../endpoint/aws-error.js';
import { converseOutputSchema, type OutputSchema } from './output-schema.js';

/** A content block of a Converse message, as the API carries it. */
export type ContentBlock = Readonly<Record<string, unknown>>;

export interface Message {
  readonly role: 'user' | 'assistant';
  readonly content: readonly ContentBlock[];
}

export interface ToolSpec {
  readonly name: string;
  readonly description?: string;
  readonly inputSchema: Record<string, unknown>;
  /** Structured outputs for the tool's input (`strict: true`): set only when true, so other requests digest as before. */
  readonly strict?: true;
}

export type ToolChoice = { readonly kind: 'auto' } | { readonly kind: 'any' } | { readonly kind: 'tool'; readonly name: string };

/**
 * A model request in the Converse API's terms, whatever API or native body it came in: what
 * a backend answers. System and message blocks keep `cachePoint` blocks where the caller put them.
 */
export interface ModelRequest {
  /** The foundation model id that answers. */
  readonly modelId: string;
  readonly system: readonly ContentBlock[];
  readonly messages: readonly Message[];
  readonly tools: readonly ToolSpec[];
  readonly toolChoice?: ToolChoice;
  readonly maxTokens?: number;
  readonly temperature?: number;
  readonly topP?: number;
  readonly stopSequences: readonly string[];
  /** The JSON schema the answer's text must match (structured outputs); absent, so other requests digest as before, when none is asked for. */
  readonly outputSchema?: OutputSchema;
}

export type AnswerBlock = { readonly text: string } | { readonly toolUse: { toolUseId: string; name: string; input: unknown } };

export type StopReason = 'end_turn' | 'tool_use' | 'max_tokens' | 'stop_sequence';

/** A backend's answer; the service adds usage and latency. */
export interface ModelAnswer {
  readonly content: readonly AnswerBlock[];
  readonly stopReason: StopReason;
  /** Counts the backend reported; counted with the tokenizer when absent. */
  readonly usage?: { readonly inputTokens: number; readonly outputTokens: number };
}

type Body = Record<string, unknown>;
const isObject = (value: unknown): value is Body => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Reads a Converse (or ConverseStream, or CountTokens' `converse`) body into a ModelRequest,
 * refusing what Bedrock refuses with its texts.
 */
export function converseRequest(modelId: string, body: Body): ModelRequest {
  const messages = Array.isArray(body.messages) ? body.messages : [];
  if (messages.length === 0)
    throw validationError('A conversation must start with a user message. Try again with a conversation that starts with a user message.');
  const read = messages.map((message, index) => readMessage(message, index));
  if (read[0]?.role !== 'user') {
    throw validationError('A conversation must start with a user message. Try again with a conversation that starts with a user message.');
  }
  for (let i = 1; i < read.length; i++) {
    if (read[i]?.role === read[i - 1]?.role) {
      throw validationError(
        'A conversation must alternate between user and assistant roles. Make sure the conversation alternates between user and assistant roles and try again.',
      );
    }
  }
  const toolConfig = isObject(body.toolConfig) ? body.toolConfig : undefined;
  const usesTools = read.some((m) => m.content.some((block) => 'toolUse' in block || 'toolResult' in block));
  if (usesTools && !toolConfig)
    throw validationError('The toolConfig field must be defined when using toolUse and toolResult content blocks.');
  const tools = toolConfig ? readTools(toolConfig) : [];
  const inference = isObject(body.inferenceConfig) ? body.inferenceConfig : {};
  const system = Array.isArray(body.system) ? (body.system as ContentBlock[]) : [];
  if (system.some((block) => !isObject(block)))
    throw validationError('The system field holds a block that is not a SystemContentBlock object.');
  return {
    modelId,
    system,
    messages: read,
    tools,
    ...(toolConfig ? { toolChoice: readToolChoice(toolConfig.toolChoice, tools) } : {}),
    ...numberField(inference, 'maxTokens', 1, undefined, 'integer'),
    ...numberField(inference, 'temperature', 0, 1, 'float'),
    ...numberField(inference, 'topP', 0, 1, 'float'),
    stopSequences: Array.isArray(inference.stopSequences) ? inference.stopSequences.map(String) : [],
    ...converseOutputSchema(body),
  };
}

/**
 * An inference setting within its range, else AWS's range text for the bound it crossed, the
 * value shown as Bedrock shows it (a float member's whole number as `99.0`).
 */
function numberField(
  config: Body,
  name: 'maxTokens' | 'temperature' | 'topP',
  min: number,
  max: number | undefined,
  type: 'integer' | 'float',
): Record<string, number> {
  const value = config[name];
  if (value === undefined) return {};
  if (typeof value !== 'number' || value < min || (max !== undefined && value > max)) {
    const bound =
      typeof value === 'number' && max !== undefined && value > max ? `less than or equal to ${max}` : `greater than or equal to ${min}`;
    const shown = type === 'float' && Number.isInteger(value) ? (value as number).toFixed(1) : String(value);
    throw validationError(
      `1 validation error detected: Value '${shown}' at 'inferenceConfig.${name}' failed to satisfy constraint: Member must have value ${bound}`,
    );
  }
  return { [name]: value };
}

function readMessage(message: unknown, index: number): Message {
  if (!isObject(message) || (message.role !== 'user' && message.role !== 'assistant')) {
    throw validationError(
      `1 validation error detected: Value at 'messages.${index + 1}.member.role' failed to satisfy constraint: Member must satisfy enum value set: [user, assistant]`,
    );
  }
  const content = Array.isArray(message.content) ? (message.content as ContentBlock[]) : [];
  if (content.length === 0) {
    throw validationError(
      `The content field in the Message object at messages.${index} is empty. Add a ContentBlock object to the content field and try again.`,
    );
  }
  // A block that is not an object (null, a number) would fail every reader after this one.
  const bad = content.findIndex((block) => !isObject(block));
  if (bad >= 0)
    throw validationError(
      `The content field in the Message object at messages.${index} holds a content block at ${bad} that is not a ContentBlock object.`,
    );
  return { role: message.role, content };
}

function readTools(toolConfig: Body): ToolSpec[] {
  const tools = Array.isArray(toolConfig.tools) ? toolConfig.tools : [];
  if (tools.length === 0) throw validationError('The toolConfig field must contain at least one tool. Add a tool and try again.');
  return tools.flatMap((tool, index) => {
    if (!isObject(tool)) return [];
    if ('cachePoint' in tool) return [];
    const spec = isObject(tool.toolSpec) ? tool.toolSpec : undefined;
    const schema = spec && isObject(spec.inputSchema) && isObject(spec.inputSchema.json) ? spec.inputSchema.json : undefined;
    if (!spec || typeof spec.name !== 'string' || !schema) {
      throw validationError(`The toolSpec at toolConfig.tools.${index} must have a name and an inputSchema with a json schema.`);
    }
    return [
      {
        name: spec.name,
        ...(typeof spec.description === 'string' ? { description: spec.description } : {}),
        inputSchema: schema,
        ...(spec.strict === true ? { strict: true as const } : {}),
      },
    ];
  });
}

function readToolChoice(choice: unknown, tools: readonly ToolSpec[]): ToolChoice {
  if (!isObject(choice) || 'auto' in choice) return { kind: 'auto' };
  if ('any' in choice) return { kind: 'any' };
  const name = isObject(choice.tool) ? choice.tool.name : undefined;
  if (typeof name !== 'string' || !tools.some((tool) => tool.name === name)) {
    throw validationError(
      `The tool ${String(name)} named in toolChoice is not in toolConfig.tools. Add the tool or choose another and try again.`,
    );
  }
  return { kind: 'tool', name };
}

/** The text of a content block list (text, tool inputs and results, documents' names) as a model reads it, for counting tokens. */
export function blocksText(blocks: readonly ContentBlock[]): string {
  return blocks
    .map((block) => {
      if (typeof block.text === 'string') return block.text;
      if (isObject(block.toolUse)) return `${String(block.toolUse.name)} ${JSON.stringify(block.toolUse.input ?? {})}`;
      if (isObject(block.toolResult)) return blocksText(Array.isArray(block.toolResult.content) ? block.toolResult.content : []);
      if ('json' in block) return JSON.stringify(block.json);
      if (isObject(block.image) || isObject(block.document)) return 'x'.repeat(1500);
      return '';
    })
    .join('\n');
}
