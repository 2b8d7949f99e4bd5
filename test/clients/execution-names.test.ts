import { describe, expect, it } from 'vitest';
import { executionsNamed, namesExecution, subjectValues } from '../../clients/execution-names.js';

const ARN = 'arn:aws:states:us-east-1:000000000000:execution:Shop-OrderSagaWorkflowStateMachine9C0D1E2F';
const order = { executionArn: `${ARN}:OrderPlaced-hq77lYql`, name: 'OrderPlaced-hq77lYql', subject: 'OrderPlaced#orderId="O-1"' };
const refund = { executionArn: `${ARN}:RefundAsked-x1`, name: 'RefundAsked-x1', subject: 'RefundAsked#orderId="O-1"&line=2' };
const byHand = { executionArn: `${ARN}:by-hand`, name: 'by-hand', subject: 'ticketId=T-9' };

describe('subjectValues', () => {
  it("holds a business key's values, its strings decoded, and an id field's", () => {
    expect(subjectValues('OrderPlaced#orderId="O-1"')).toEqual(['O-1']);
    expect(subjectValues('RefundAsked#orderId="O&1"&line=2')).toEqual(['O&1', '2']);
    expect(subjectValues('TicketCreated#id=4f1c-77')).toEqual(['4f1c-77']);
    expect(subjectValues('OrderPlaced orderId=O-1')).toEqual(['O-1']);
    expect(subjectValues('ticketId=T-9')).toEqual(['T-9']);
  });
});

describe('namesExecution', () => {
  it('takes the ARN, the name, the business key the lists show and the id alone', () => {
    for (const name of [order.executionArn, order.name, 'OrderPlaced#orderId="O-1"', 'O-1']) {
      expect(namesExecution(order, name), name).toBe(true);
    }
    expect(namesExecution(byHand, 'T-9')).toBe(true);
  });

  it('takes no part of a name, no other business key, and nothing for an empty name', () => {
    for (const name of ['O-', 'OrderPlaced', 'OrderPlaced#orderId="O-2"', 'orderId="O-1"', '']) {
      expect(namesExecution(order, name), name).toBe(false);
    }
  });
});

describe('executionsNamed', () => {
  it('names every execution about an id, and the one its business key names', () => {
    expect(executionsNamed([order, refund, byHand], 'O-1')).toEqual([order, refund]);
    expect(executionsNamed([order, refund, byHand], 'RefundAsked#orderId="O-1"&line=2')).toEqual([refund]);
    expect(executionsNamed([order, refund, byHand], 'nothing')).toEqual([]);
  });
});
