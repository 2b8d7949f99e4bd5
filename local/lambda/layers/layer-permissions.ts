import { AwsError } from '../../endpoint/aws-error.js';
import { permissionStatement } from '../../iam/resource-statements.js';
import { checkRevision, newRevision } from '../control-plane/function-requests.js';
import type { LayerVersion } from './layer-store.js';
import { versionArn } from './layer-store.js';

// AddLayerVersionPermission, RemoveLayerVersionPermission and GetLayerVersionPolicy: a layer
// version's resource-based policy (who may use it), as the API reference documents them and
// AWS answers them, each change at a new RevisionId.

type Input = Readonly<Record<string, unknown>>;

const noPolicy = () => new AwsError('ResourceNotFoundException', 'No policy is associated with the given resource.', 404);

/** The version with its policy's statements replaced (none: no policy) at a new revision. */
function withStatements(layer: LayerVersion, statements: readonly Record<string, unknown>[]): LayerVersion {
  const { policy: _replaced, ...rest } = layer;
  return statements.length === 0 ? rest : { ...rest, policy: { revisionId: newRevision(), statements } };
}

/**
 * A statement added to the version's policy: the principal an account, `*` or an
 * organization's accounts (`OrganizationId`, as `aws:PrincipalOrgID`); 201 with the statement and the new RevisionId.
 * @throws AwsError ResourceConflictException for a statement id used, PreconditionFailedException for a stale RevisionId
 */
export function addLayerPermission(layer: LayerVersion, input: Input) {
  checkRevision(input.RevisionId, layer.policy?.revisionId, 'GetLayerPolicy');
  const sid = String(input.StatementId);
  if (layer.policy?.statements.some((s) => s.Sid === sid)) {
    throw new AwsError(
      'ResourceConflictException',
      `The statement id (${sid}) provided already exists. Please provide a new statement id, or remove the existing statement.`,
      409,
    );
  }
  const statement = permissionStatement(
    sid,
    { Action: input.Action, Principal: input.Principal, PrincipalOrgID: input.OrganizationId },
    versionArn(layer),
  );
  const changed = withStatements(layer, [...(layer.policy?.statements ?? []), statement]);
  return { layer: changed, status: 201, answer: { Statement: JSON.stringify(statement), RevisionId: changed.policy?.revisionId } };
}

/**
 * The statement taken out of the version's policy; 204.
 * @throws AwsError ResourceNotFoundException for no policy or no such statement, PreconditionFailedException
 */
export function removeLayerPermission(layer: LayerVersion, input: Input) {
  if (!layer.policy) throw noPolicy();
  checkRevision(input.RevisionId, layer.policy.revisionId, 'GetLayerPolicy');
  const sid = String(input.StatementId);
  const kept = layer.policy.statements.filter((s) => s.Sid !== sid);
  if (kept.length === layer.policy.statements.length) {
    throw new AwsError('ResourceNotFoundException', `Statement ${sid} is not found in resource policy.`, 404);
  }
  return { layer: withStatements(layer, kept), status: 204, answer: undefined };
}

/** GetLayerVersionPolicy: the policy document as text, and its RevisionId. */
export function layerPolicyAnswer(layer: LayerVersion): { Policy: string; RevisionId: string } {
  if (!layer.policy) throw noPolicy();
  return {
    Policy: JSON.stringify({ Version: '2012-10-17', Id: 'default', Statement: layer.policy.statements }),
    RevisionId: layer.policy.revisionId,
  };
}
