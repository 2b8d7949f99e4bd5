import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { IdempotencyStore } from '../../../lib/constructs/idempotency-store.js';
import { TicketTriage, type TicketTriageProps } from '../../../lib/flows/ticket-triage.js';
import { definitionOf, testStack } from '../../helpers/synth.js';

function triage(props: Partial<TicketTriageProps> = {}) {
  const { stack, bus } = testStack();
  new TicketTriage(stack, 'Triage', { eventBus: bus, idempotencyStore: new IdempotencyStore(stack, 'Store'), ...props });
  const template = Template.fromStack(stack);
  const functions = Object.values(template.findResources('AWS::Lambda::Function'));
  const env = (description: string) =>
    functions.find((f) => f.Properties.Description?.startsWith(description))?.Properties.Environment.Variables;
  const express = Object.values(template.findResources('AWS::StepFunctions::StateMachine')).find(
    (m) => m.Properties.StateMachineType === 'EXPRESS',
  );
  return {
    template,
    classify: env('Classifies'),
    starter: env('Starts Triage'),
    machine: definitionOf(express ?? {}) as { States: Record<string, unknown> },
  };
}

describe('TicketTriage flow control', () => {
  it("makes the starter's queue fair by customer: the rule's target sets MessageGroupId to $.detail.customerId", () => {
    const { template } = triage();
    const rule = Object.values(template.findResources('AWS::Events::Rule')).find((r) =>
      r.Properties.EventPattern['detail-type']?.includes('TicketCreated'),
    );
    expect(rule?.Properties.Targets[0].SqsParameters).toEqual({ MessageGroupId: '$.detail.customerId' });
  });

  it("puts classification under the model's token budget, in a flow control table the classifier and the starter share", () => {
    const { classify, starter, machine } = triage({
      bedrockModelId: 'eu.anthropic.claude-haiku-4-5-20251001-v1:0',
      modelTokens: { tokensPerMinute: 50_000, tokensPerDay: 2_000_000 },
    });
    expect(JSON.parse(classify.MODEL_TOKEN_LIMITS)).toEqual({
      model: 'eu.anthropic.claude-haiku-4-5-20251001-v1:0',
      limits: { perMinute: 50_000, perDay: 2_000_000 },
    });
    expect(classify.FLOW_CONTROL_TABLE_NAME).toEqual({ Ref: expect.stringMatching(/^TriageModelTokensTable/) });
    expect(starter.FLOW_CONTROL_TABLE_NAME).toEqual(classify.FLOW_CONTROL_TABLE_NAME);
    // A full window fails the execution with TokenLimitReached, which pauses the starter's key.
    expect(JSON.parse(starter.FLOW_CONTROL)).toMatchObject({
      key: { constant: 'classify-model' },
      pauseOnThrottle: { defaultSeconds: 15, maxSeconds: 60 },
    });
    expect(machine.States.ModelTokensFull).toMatchObject({ Type: 'Fail', Error: 'TokenLimitReached', Cause: '{% $states.input.Cause %}' });
  });

  it('budgets the local model by default, and nothing with modelTokens false', () => {
    expect(JSON.parse(triage().classify.MODEL_TOKEN_LIMITS)).toEqual({ model: 'local', limits: { perMinute: 200_000 } });
    const { classify, starter, machine } = triage({ modelTokens: false });
    expect(classify.MODEL_TOKEN_LIMITS).toBeUndefined();
    expect(starter.FLOW_CONTROL).toBeUndefined();
    expect(machine.States.ModelTokensFull).toBeUndefined();
  });

  it.each([
    [{ tokensPerMinute: 0 }, 'Test/Triage: modelTokens.tokensPerMinute must be from 1 to 1000000000 (got 0)'],
    [{ tokensPerMinute: 1_000, tokensPerDay: 10 }, 'Test/Triage: modelTokens.tokensPerDay must be from 1000 to 1000000000 (got 10)'],
  ])('fails if modelTokens is %o', (modelTokens, message) => {
    expect(() => triage({ modelTokens })).toThrow(message);
  });
});
