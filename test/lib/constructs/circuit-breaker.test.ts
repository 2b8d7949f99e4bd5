import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ENV, ERROR_NAMES } from '../../../domain/index.js';
import { CircuitBreaker } from '../../../lib/constructs/circuit-breaker.js';
import { definitionOf, sharedSwitchyardTemplate, testStack } from '../../helpers/synth.js';
import { givenToFunction } from '../../helpers/template-grants.js';

describe('CircuitBreaker', () => {
  it('creates an on-demand table keyed on the circuit name, with point-in-time recovery', () => {
    const { stack } = testStack();
    new CircuitBreaker(stack, 'Model');
    Template.fromStack(stack).hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Delete',
      Properties: {
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      },
    });
  });

  it('connects a function: GetItem and UpdateItem only, PutEvents on the bus, and its settings', () => {
    const { variables, statements, dynamoDbStatements } = givenToFunction((stack, fn, bus) =>
      new CircuitBreaker(stack, 'Model', {
        circuitName: 'llm',
        failureThreshold: 3,
        window: Duration.seconds(20),
        openFor: Duration.minutes(2),
        halfOpenTrials: 2,
        eventBus: bus,
      }).connect(fn),
    );
    expect(variables).toMatchObject({
      [ENV.circuitBreakerTable]: { Ref: expect.stringMatching(/^ModelTable/) },
      [ENV.circuitName]: 'llm',
      [ENV.circuitFailureThreshold]: '3',
      [ENV.circuitWindowSeconds]: '20',
      [ENV.circuitOpenSeconds]: '120',
      [ENV.circuitHalfOpenTrials]: '2',
      [ENV.eventBusName]: { Ref: expect.stringMatching(/^Bus/) },
    });
    expect(dynamoDbStatements).toEqual([expect.objectContaining({ Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'] })]);
    expect(statements.some((s) => s.Action === 'events:PutEvents')).toBe(true);
  });

  it('grants use without touching the grantee (a grant only grants)', () => {
    const { variables, statements, dynamoDbStatements } = givenToFunction((stack, fn, bus) =>
      new CircuitBreaker(stack, 'Model', { circuitName: 'llm', eventBus: bus }).grantUse(fn),
    );
    expect(variables).not.toHaveProperty(ENV.circuitBreakerTable);
    expect(variables).not.toHaveProperty(ENV.circuitName);
    expect(dynamoDbStatements).toEqual([expect.objectContaining({ Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'] })]);
    expect(statements.some((s) => s.Action === 'events:PutEvents')).toBe(true);
  });

  it('fails if failureThreshold is out of range, naming the path, prop and value', () => {
    const { stack } = testStack();
    expect(() => new CircuitBreaker(stack, 'Model', { failureThreshold: 0 })).toThrow(
      'Test/Model: failureThreshold must be from 1 to 1000 (got 0)',
    );
  });

  it('fails if halfOpenTrials is not a whole number', () => {
    const { stack } = testStack();
    expect(() => new CircuitBreaker(stack, 'Model', { halfOpenTrials: 1.5 })).toThrow(
      'Test/Model: halfOpenTrials must be a whole number (got 1.5)',
    );
  });

  it('fails if openFor is longer than an SQS message can be held back', () => {
    const { stack } = testStack();
    expect(() => new CircuitBreaker(stack, 'Model', { openFor: Duration.hours(13) })).toThrow(
      'Test/Model: openFor must be from 1 to 43200 seconds (got 46800 seconds)',
    );
  });

  it('fails if window is out of range', () => {
    const { stack } = testStack();
    expect(() => new CircuitBreaker(stack, 'Model', { window: Duration.days(2) })).toThrow(
      'Test/Model: window must be from 1 to 86400 seconds',
    );
  });

  it('fails if circuitName has characters a name should not', () => {
    const { stack } = testStack();
    expect(() => new CircuitBreaker(stack, 'Model', { circuitName: 'a b' })).toThrow('Test/Model: circuitName must be');
  });
});

describe('TicketTriage with a model circuit', () => {
  it('gives Classify the breaker and catches CircuitOpen to the ModelFailed path without retrying it', () => {
    const template = sharedSwitchyardTemplate();
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'Classifies a support ticket into a queue with a confidence',
      Environment: { Variables: Match.objectLike({ [ENV.circuitName]: 'ticket-model', [ENV.circuitBreakerTable]: Match.anyValue() }) },
    });
    const express = Object.values(template.findResources('AWS::StepFunctions::StateMachine')).find(
      (m) => m.Properties.StateMachineType === 'EXPRESS',
    );
    const definition = definitionOf(express ?? {}) as {
      States: Record<string, { Catch?: { ErrorEquals: string[]; Next: string }[]; Retry?: { ErrorEquals: string[] }[] }>;
    };
    const classify = definition.States.ClassifyTicket;
    expect(classify?.Catch?.[0]).toEqual(expect.objectContaining({ ErrorEquals: [ERROR_NAMES.circuitOpen], Next: 'ModelFailed' }));
    expect(classify?.Retry?.flatMap((r) => r.ErrorEquals)).not.toContain(ERROR_NAMES.circuitOpen);
  });
});
