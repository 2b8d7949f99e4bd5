import type { DatabaseSync } from 'node:sqlite';
import { AwsError } from '../endpoint/aws-error.js';
import { invalidParameter } from './validation.js';

/**
 * CloudWatch Logs' account resource policies (PutResourcePolicy, DescribeResourcePolicies,
 * DeleteResourcePolicy): the policies that let other AWS services (EventBridge, Route 53) put log
 * events in the account. They are kept and answered; the local runtime does not evaluate them
 * (a service writes to a log group whatever they say).
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS logs_resource_policy (
  name TEXT PRIMARY KEY,
  document TEXT NOT NULL,
  last_updated INTEGER NOT NULL
) WITHOUT ROWID;
`;

/** "An account can have up to 10 resource policies per AWS Region" (API_PutResourcePolicy). */
const MAX_POLICIES = 10;

interface PolicyRow {
  name: string;
  document: string;
  last_updated: number;
}

const described = (row: PolicyRow) => ({ policyName: row.name, policyDocument: row.document, lastUpdatedTime: row.last_updated });

export class LogsAccountPolicies {
  constructor(private readonly db: DatabaseSync) {
    db.exec(SCHEMA);
  }

  /** Creates the policy, or replaces the document of the one by that name. */
  put(name: string | undefined, document: string, now: number) {
    const policyName = named(name);
    try {
      JSON.parse(document);
    } catch (error) {
      // The message AWS gives for a document that is not JSON was not recorded.
      throw invalidParameter(`Policy document is not valid JSON: ${(error as Error).message}`);
    }
    const exists = this.db.prepare('SELECT 1 FROM logs_resource_policy WHERE name = ?').get(policyName) !== undefined;
    const count = (this.db.prepare('SELECT COUNT(*) AS n FROM logs_resource_policy').get() as { n: number }).n;
    if (!exists && count >= MAX_POLICIES) throw new AwsError('LimitExceededException', 'Resource limit exceeded.');
    this.db
      .prepare('INSERT OR REPLACE INTO logs_resource_policy (name, document, last_updated) VALUES (?, ?, ?)')
      .run(policyName, document, now);
    return { resourcePolicy: described({ name: policyName, document, last_updated: now }) };
  }

  describe() {
    const rows = this.db.prepare('SELECT * FROM logs_resource_policy ORDER BY name').all() as unknown as PolicyRow[];
    return { resourcePolicies: rows.map(described) };
  }

  delete(name: string | undefined) {
    const policyName = named(name);
    const gone = this.db.prepare('DELETE FROM logs_resource_policy WHERE name = ?').run(policyName).changes > 0;
    // The text is unverified (AWS's was not recorded); the code is the API reference's.
    if (!gone) throw new AwsError('ResourceNotFoundException', `Policy with name [${policyName}] does not exist`);
    return {};
  }
}

/**
 * The policy's name, which the model leaves optional for the policies scoped to one resource
 * (`resourceArn`), which the local runtime does not keep: an account policy needs one.
 */
function named(name: string | undefined): string {
  if (typeof name !== 'string' || name === '')
    throw invalidParameter(
      'policyName is required: the local runtime keeps account resource policies only, not those scoped to a resourceArn',
    );
  return name;
}
