import { AwsError } from '../endpoint/aws-error.js';
import { usablePolicy } from '../iam/policy-documents.js';
import type { PolicyProblem } from '../iam/types.js';

const malformed = () => new AwsError('MalformedPolicyDocumentException', 'This resource policy contains a syntax error.');

/** A request's ResourcePolicy parsed: a JSON object with a Statement, or AWS's MalformedPolicyDocumentException. */
function parsedPolicy(raw: unknown): { text: string; document: Record<string, unknown> } {
  if (typeof raw !== 'string' || raw === '') throw new AwsError('InvalidParameterException', 'ResourcePolicy is required.');
  let document: unknown;
  try {
    document = JSON.parse(raw);
  } catch (error) {
    throw new AwsError('MalformedPolicyDocumentException', 'This resource policy contains a syntax error.', 400, { cause: error });
  }
  if (document === null || typeof document !== 'object' || Array.isArray(document)) throw malformed();
  if (!('Statement' in document)) throw malformed();
  return { text: raw, document: document as Record<string, unknown> };
}

/**
 * PutResourcePolicy's policy, kept as it was sent (GetResourcePolicy answers it so). With
 * BlockPublicPolicy, a statement that allows any principal (`"*"` or `{"AWS": "*"}`) with no
 * condition is refused, as AWS refuses a policy granting broad access.
 */
export function checkedPolicy(raw: unknown, blockPublic: boolean): string {
  const { text, document } = parsedPolicy(raw);
  if (blockPublic && statements(document).some(isPublic)) {
    throw new AwsError(
      'PublicPolicyException',
      "This resource policy grants public access to the secret. You can't add it while BlockPublicPolicy is true.",
    );
  }
  return text;
}

/**
 * ValidateResourcePolicy's answer: whether IAM evaluates the policy as written, each part it
 * would leave out (an unknown action, a statement its grammar rejects) a validation error.
 */
export function policyValidation(raw: unknown, holder: string): { PolicyValidationPassed: boolean; ValidationErrors: unknown[] } {
  const { document } = parsedPolicy(raw);
  const problems: PolicyProblem[] = [];
  usablePolicy(document, holder, problems, 'resource');
  return {
    PolicyValidationPassed: problems.length === 0,
    ValidationErrors: problems.map((p) => ({ CheckName: 'IAM_POLICY_VALIDATION', ErrorMessage: p.problem })),
  };
}

function statements(document: Record<string, unknown>): Record<string, unknown>[] {
  const list = Array.isArray(document.Statement) ? document.Statement : [document.Statement];
  return list.filter((s): s is Record<string, unknown> => s !== null && typeof s === 'object');
}

function isPublic(statement: Record<string, unknown>): boolean {
  if (statement.Effect !== 'Allow' || statement.Condition !== undefined) return false;
  const principal = statement.Principal;
  if (principal === '*') return true;
  const aws = (principal as { AWS?: unknown } | undefined)?.AWS;
  return aws === '*' || (Array.isArray(aws) && aws.includes('*'));
}
