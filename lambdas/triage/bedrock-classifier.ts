import {
  type BedrockRuntimeClient,
  ConverseCommand,
  type ConverseCommandOutput,
  InternalServerException,
  ModelNotReadyException,
  ModelTimeoutException,
  ServiceUnavailableException,
  ThrottlingException,
} from '@aws-sdk/client-bedrock-runtime';
import { TICKET_QUEUES, type TicketQueue } from '../../domain/index.js';
import type { ClassifierAnswer, TicketClassifier } from './classifier.js';
import { ModelOutputInvalidError, ModelThrottledError, ModelUnavailableError } from './errors.js';
import { CLASSIFY_MAX_OUTPUT_TOKENS } from './model-tokens.js';

const TOOL_NAME = 'route_ticket';

const SYSTEM_PROMPT = `You triage customer support tickets for a SaaS product. Pick the one queue that should handle the ticket:
- billing: invoices, charges, refunds, plans, payment methods, tax
- technical: bugs, errors, API, integrations, performance, outages
- account: login, passwords, two-factor setup, users and seats, profile, data export, closing the account
- security: phishing, compromised accounts, suspicious activity, vulnerability reports, data leaks
- feedback: feature requests, praise, UX complaints, suggestions
Report how likely your choice is to be right as a probability; use low values when the ticket fits several queues or none.`;

/**
 * Classifies with a Bedrock model through the Converse API. The model must answer by
 * calling a tool whose input schema is the classification, so the answer is
 * structured; its confidence is the model's own estimate, which is less calibrated
 * than the local model's (see the README).
 */
export class BedrockTicketClassifier implements TicketClassifier {
  constructor(
    private readonly client: BedrockRuntimeClient,
    private readonly modelId: string,
  ) {}

  async classify(ticket: { readonly subject: string; readonly body: string }): Promise<ClassifierAnswer> {
    let response: ConverseCommandOutput;
    try {
      response = await this.client.send(
        new ConverseCommand({
          modelId: this.modelId,
          system: [{ text: SYSTEM_PROMPT }],
          messages: [{ role: 'user', content: [{ text: `Subject: ${ticket.subject}\n\n${ticket.body}` }] }],
          inferenceConfig: { maxTokens: CLASSIFY_MAX_OUTPUT_TOKENS, temperature: 0 },
          toolConfig: {
            tools: [
              {
                toolSpec: {
                  name: TOOL_NAME,
                  description: 'Route the ticket to a support queue.',
                  inputSchema: {
                    json: {
                      type: 'object',
                      required: ['queue', 'confidence'],
                      properties: {
                        queue: { type: 'string', enum: [...TICKET_QUEUES] },
                        confidence: { type: 'number', minimum: 0, maximum: 1 },
                      },
                    },
                  },
                },
              },
            ],
            toolChoice: { tool: { name: TOOL_NAME } },
          },
        }),
      );
    } catch (error) {
      if (error instanceof ThrottlingException) throw new ModelThrottledError(`Bedrock throttled ${this.modelId}`, { cause: error });
      if (
        error instanceof ModelTimeoutException ||
        error instanceof ServiceUnavailableException ||
        error instanceof InternalServerException ||
        error instanceof ModelNotReadyException
      ) {
        throw new ModelUnavailableError(`Bedrock ${this.modelId} failed: ${error.message}`, { cause: error });
      }
      throw error;
    }
    return { ...parseToolAnswer(response), model: `bedrock:${this.modelId}`, usedTokens: response.usage?.totalTokens };
  }
}

/** Pulls the classification out of the tool call; exported for tests. */
export function parseToolAnswer(response: ConverseCommandOutput): { queue: TicketQueue; confidence: number } {
  const toolUse = response.output?.message?.content?.find((block) => block.toolUse?.name === TOOL_NAME)?.toolUse;
  const input = toolUse?.input as { queue?: unknown; confidence?: unknown } | undefined;
  if (input === undefined) throw new ModelOutputInvalidError(`the model did not call ${TOOL_NAME} (stopReason ${response.stopReason})`);
  const { queue, confidence } = input;
  if (typeof queue !== 'string' || !(TICKET_QUEUES as readonly string[]).includes(queue)) {
    throw new ModelOutputInvalidError(`the model chose queue ${JSON.stringify(queue)}; expected one of ${TICKET_QUEUES.join(', ')}`);
  }
  if (typeof confidence !== 'number' || !(confidence >= 0 && confidence <= 1)) {
    throw new ModelOutputInvalidError(`the model gave confidence ${JSON.stringify(confidence)}; expected a number from 0 to 1`);
  }
  return { queue: queue as TicketQueue, confidence };
}
