import { ConditionalCheckFailedException, type DynamoDBClient, type PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { assignTicket } from '../../../lambdas/routing/assign-ticket.js';

const routed = { ticketId: 'T-1', queue: 'security', decidedBy: 'human', confidence: 0.4, model: 'm', reviewer: 'sam' } as const;
const standing = {
  ticketId: 'T-1',
  queue: 'billing',
  decidedBy: 'model',
  confidence: 0.9,
  model: 'm',
  routedEventId: 'e-1',
  correlationId: 'c',
  assignedAt: '2026-01-01T00:00:00.000Z',
  version: 3000,
};

describe('assignTicket', () => {
  it('takes the standing assignment from the failed condition, as DynamoDB returns it, without reading again', async () => {
    const calls: string[] = [];
    const client = {
      send: async (command: PutItemCommand) => {
        calls.push(command.constructor.name);
        // The second PutItem records the ignored event.
        if (calls.length > 1) return {};
        expect(command.input).toMatchObject({
          ConditionExpression: 'attribute_not_exists(#pk) OR attribute_not_exists(#version) OR #version < :version',
          ExpressionAttributeValues: { ':version': { N: '3000' } },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        });
        throw new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {}, Item: marshall(standing) });
      },
    } as unknown as DynamoDBClient;
    const result = await assignTicket(client, 'assignments', routed, { eventId: 'e-2', correlationId: 'c' });
    expect(result).toMatchObject({ outcome: 'DUPLICATE', assignment: standing, conflicting: true, ignored: { reason: 'duplicate' } });
    expect(calls).toEqual(['PutItemCommand', 'PutItemCommand']);
  });

  it('passes on any other DynamoDB error, so the record is retried', async () => {
    const client = {
      send: async () => Promise.reject(Object.assign(new Error('throttled'), { name: 'ProvisionedThroughputExceededException' })),
    };
    await expect(
      assignTicket(client as unknown as DynamoDBClient, 'assignments', routed, { eventId: 'e', correlationId: 'c' }),
    ).rejects.toThrow('throttled');
  });
});
