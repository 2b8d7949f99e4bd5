import { describe, expect, it } from 'vitest';
import { flowName, flowNameOfDeployed, logicalIdIn, resourceName, resourceNameOfDeployed } from '../../clients/resource-names.js';

describe('flowName', () => {
  it('names a flow as the CLI does: the logical id without its hash and "StateMachine"', () => {
    expect(flowName('TicketTriageStateMachineAA1A09CC')).toBe('TicketTriage');
    expect(flowName('OrderSagaWorkflowStateMachine0F3B1C2D')).toBe('OrderSagaWorkflow');
  });

  it('keeps a logical id that would have no name left', () => {
    expect(flowName('StateMachine12345678')).toBe('StateMachine12345678');
    expect(flowName('AA1A09CC')).toBe('AA1A09CC');
  });
});

describe('resourceName', () => {
  it('drops only the hash CDK appends', () => {
    expect(resourceName('TicketTriageStarterDeadLetterQueue42D22891')).toBe('TicketTriageStarterDeadLetterQueue');
    expect(resourceName('DurableOrderSagaFlowFunction5E7C0A11')).toBe('DurableOrderSagaFlowFunction');
    expect(resourceName('Handwritten')).toBe('Handwritten');
  });
});

describe('logicalIdIn', () => {
  it("finds the logical id in the local runtime's <Stack>-<LogicalId>", () => {
    expect(logicalIdIn('Switchyard-TicketTriageStateMachineAA1A09CC')).toBe('TicketTriageStateMachineAA1A09CC');
    expect(logicalIdIn('my-app-stack-TicketTriageStateMachineAA1A09CC')).toBe('TicketTriageStateMachineAA1A09CC');
  });

  it("finds it in CloudFormation's generated <LogicalId>-<suffix> and <Stack>-<LogicalId>-<suffix>", () => {
    expect(logicalIdIn('TicketTriageStateMachineAA1A09CC-Xk3bQ9pLmZ2a')).toBe('TicketTriageStateMachineAA1A09CC');
    expect(logicalIdIn('Switchyard-DurableOrderSagaFlowFunction5E7C0A11-wq8TYlN4hRcd')).toBe('DurableOrderSagaFlowFunction5E7C0A11');
  });

  it("takes the last such part: a nested stack's name ends in its resource's hash too", () => {
    expect(logicalIdIn('Switchyard-OrdersNestedStackOrdersNestedStackResource1A2B3C4D-TicketTriageStateMachineAA1A09CC')).toBe(
      'TicketTriageStateMachineAA1A09CC',
    );
  });

  it('finds none in a name the template set, or one cut to fit a length limit', () => {
    expect(logicalIdIn('ConsoleNested')).toBeUndefined();
    expect(logicalIdIn('orders-saga')).toBeUndefined();
    expect(logicalIdIn('Switchyard-AVeryLongConstructPathThatWasCutToFitTheLimitOfTheSer-3f9a0c1e')).toBeUndefined();
  });
});

describe('flowNameOfDeployed', () => {
  it('names a deployed state machine by its flow, as the CLI does', () => {
    expect(flowNameOfDeployed('Switchyard-TicketTriageStateMachineAA1A09CC')).toBe('TicketTriage');
    expect(flowNameOfDeployed('TicketTriageEscalationStateMachine8D1E9B3F-Xk3bQ9pLmZ2a')).toBe('TicketTriageEscalation');
  });

  it('keeps the deployed name when it holds no logical id', () => {
    expect(flowNameOfDeployed('ConsoleNested')).toBe('ConsoleNested');
  });
});

describe('resourceNameOfDeployed', () => {
  it('names a deployed function by its logical id without the hash, "StateMachine" or not', () => {
    expect(resourceNameOfDeployed('Switchyard-DurableOrderSagaFlowFunction5E7C0A11')).toBe('DurableOrderSagaFlowFunction');
    expect(resourceNameOfDeployed('my-function')).toBe('my-function');
  });
});
