import type { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { Type } from 'switchyard-cdk/contracts';
import { ConverseModel } from 'switchyard-cdk/kit';
import { TICKET_QUEUES, type TicketQueue } from '../../domain/index.js';
import type { ClassifierAnswer, TicketClassifier } from './classifier.js';
import { CLASSIFY_MAX_OUTPUT_TOKENS } from './model-tokens.js';

const TOOL_NAME = 'route_ticket';

const SYSTEM_PROMPT = `You triage customer support tickets for a SaaS product. Pick the one queue that should handle the ticket:
- billing: invoices, charges, refunds, plans, payment methods, tax
- technical: bugs, errors, API, integrations, performance, outages
- account: login, passwords, two-factor setup, users and seats, profile, data export, closing the account
- security: phishing, compromised accounts, suspicious activity, vulnerability reports, data leaks
- feedback: feature requests, praise, UX complaints, suggestions
Report how likely your choice is to be right as a probability; use low values when the ticket fits several queues or none.`;

/** The classification the model must give, as route_ticket's input. */
const Routing = Type.Object({
  queue: Type.Union(TICKET_QUEUES.map((queue) => Type.Literal(queue))),
  confidence: Type.Number({ minimum: 0, maximum: 1 }),
});

/**
 * Classifies with a Bedrock model through the kit's ConverseModel: structured output through
 * a forced tool whose input is the classification, checked against its schema
 * (ModelOutputInvalid otherwise); throttling and outages are the kit's ModelThrottled and
 * ModelUnavailable, which the flow retries. The confidence is the model's own estimate, less
 * calibrated than the local model's (see docs/reference-app.md).
 */
export class BedrockTicketClassifier implements TicketClassifier {
  readonly #model: ConverseModel;

  constructor(client: BedrockRuntimeClient, modelId: string) {
    this.#model = new ConverseModel({ client, modelId, maxTokens: CLASSIFY_MAX_OUTPUT_TOKENS, temperature: 0 });
  }

  async classify(ticket: { readonly subject: string; readonly body: string }): Promise<ClassifierAnswer> {
    const { output, usage } = await this.#model.structured({
      system: SYSTEM_PROMPT,
      prompt: `Subject: ${ticket.subject}\n\n${ticket.body}`,
      name: TOOL_NAME,
      description: 'Route the ticket to a support queue.',
      schema: Routing,
    });
    return {
      queue: output.queue as TicketQueue,
      confidence: output.confidence,
      model: `bedrock:${this.#model.modelId}`,
      usedTokens: usage.totalTokens,
    };
  }
}
