import type { QueueManagement } from './queue-management.js';
import type { SqsContext } from './sqs-context.js';
import { invalidParameterValue, missingParameter } from './sqs-errors.js';
import type { AddPermissionInput, EmptyOutput, RemovePermissionInput } from './sqs-types.js';

interface PolicyDocument {
  Version?: string;
  Id?: string;
  Statement?: Record<string, unknown>[];
}

/**
 * AddPermission and RemovePermission: statements, one per label, in the queue's `Policy`, as
 * AWS writes them (recorded in test_sqs_permission_lifecycle): a policy of Version 2008-10-17
 * with the Id `<queue ARN>/SQSDefaultPolicy`, each statement allowing `SQS:<action>` to the
 * accounts' roots on the queue, a lone principal or action as a string, several as a list.
 * The policy is set through SetQueueAttributes' path, so IAM evaluates it as any queue policy.
 */
export class QueuePermissions {
  constructor(
    private readonly context: SqsContext,
    private readonly queues: QueueManagement,
  ) {}

  addPermission(input: AddPermissionInput): EmptyOutput {
    const queue = this.context.queueFromUrl(input.QueueUrl);
    if (!input.Label) throw missingParameter('Label');
    if (!input.AWSAccountIds?.length) throw missingParameter('AWSAccountId');
    if (!input.Actions?.length) throw missingParameter('ActionName');
    const policy = policyOf(queue.attributes.Policy) ?? { Version: '2008-10-17', Id: `${queue.arn}/SQSDefaultPolicy`, Statement: [] };
    const statements = policy.Statement ?? [];
    if (statements.some((statement) => statement.Sid === input.Label)) {
      throw invalidParameterValue('Label', input.Label, 'Already exists.');
    }
    const principals = input.AWSAccountIds.map((account) => `arn:aws:iam::${account}:root`);
    const actions = input.Actions.map((action) => `SQS:${action}`);
    statements.push({
      Sid: input.Label,
      Effect: 'Allow',
      Principal: { AWS: principals.length === 1 ? principals[0] : principals },
      Action: actions.length === 1 ? actions[0] : actions,
      Resource: queue.arn,
    });
    return this.queues.setQueueAttributes({
      QueueUrl: input.QueueUrl,
      Attributes: { Policy: JSON.stringify({ ...policy, Statement: statements }) },
    });
  }

  removePermission(input: RemovePermissionInput): EmptyOutput {
    const queue = this.context.queueFromUrl(input.QueueUrl);
    if (!input.Label) throw missingParameter('Label');
    const policy = policyOf(queue.attributes.Policy);
    const statements = policy?.Statement ?? [];
    const kept = statements.filter((statement) => statement.Sid !== input.Label);
    if (kept.length === statements.length) throw invalidParameterValue('Label', input.Label, "can't find label.");
    // The last statement gone, the queue has no policy left (GetQueueAttributes answers no Policy).
    const Policy = kept.length === 0 ? '' : JSON.stringify({ ...policy, Statement: kept });
    return this.queues.setQueueAttributes({ QueueUrl: input.QueueUrl, Attributes: { Policy } });
  }
}

/** A queue's policy as a document; a single statement (allowed in IAM's grammar) as a list of one. */
function policyOf(raw: string | undefined): PolicyDocument | undefined {
  if (!raw) return undefined;
  const parsed = JSON.parse(raw) as PolicyDocument & { Statement?: unknown };
  const statement = parsed.Statement;
  return { ...parsed, Statement: Array.isArray(statement) ? [...statement] : statement ? [statement as Record<string, unknown>] : [] };
}
