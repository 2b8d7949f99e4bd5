/**
 * The local IAM check's shared shapes: who calls (a principal), what it asks (an action on a
 * resource, with the context keys the service supplies) and what the policies decide.
 * The policies come from the loaded template (policy-store.ts), the decision from
 * `@cloud-copilot/iam-simulate` (evaluator.ts), the requests from each service's operations
 * (each service's iam-authorizations.ts), the principals from the credentials the endpoint sees (principals.ts).
 */

/** Who makes a request. */
export type IamPrincipal =
  /** An IAM role's session: a function's execution role, a state machine's role, a rule target's role. */
  | { readonly kind: 'role'; readonly roleArn: string; readonly sessionName: string }
  /** An AWS service delivering on its own behalf (`events.amazonaws.com` to a queue), allowed only by resource policies. */
  | { readonly kind: 'service'; readonly service: string }
  /** The person at the terminal, the CLI, the console: the account's administrator, never checked. */
  | { readonly kind: 'admin' }
  /** A caller who did not sign (a function URL of auth type NONE): allowed only by a resource policy naming `*`. */
  | { readonly kind: 'anonymous' };

/** One authorization AWS makes for a request: an operation may need several (SendMessage to an encrypted queue: `sqs:SendMessage` and `kms:GenerateDataKey`). */
export interface IamRequest {
  readonly principal: IamPrincipal;
  /** `sqs:SendMessage`, as the service authorization reference names it. */
  readonly action: string;
  /** The resource's ARN, or `*` for an action that takes no resource (`sqs:ListQueues`). */
  readonly resource: string;
  /** Condition keys the service supplies: `aws:SourceArn`, `aws:SourceAccount`, `kms:ViaService`, ... */
  readonly context?: Readonly<Record<string, string | readonly string[]>>;
  /** The resource as the service's message names it, when not by its ARN (a secret by the SecretId sent). */
  readonly named?: string;
  /** Evaluated on `resource` even for an action IAM grants only on `*` (OperationAuthorization's). */
  readonly onNamedResource?: true;
}

/** Why a request is refused, in the words AWS's AccessDenied messages use. */
export type DenialKind =
  /** No identity policy of the role allows it (and no resource policy names the role). */
  | 'no-identity-policy'
  /** A service principal, or a role of another account, with no resource policy statement allowing it. */
  | 'no-resource-policy'
  /** A resource policy (a KMS key policy) that must allow it and does not. */
  | 'resource-policy-required'
  /** The role's permissions boundary does not allow it. */
  | 'permissions-boundary'
  /** A statement denies it. */
  | 'explicit-deny';

export interface IamDecision {
  readonly allowed: boolean;
  /** Set when refused. */
  readonly denial?: {
    readonly kind: DenialKind;
    /** The policy that decided: a deny's policy, or the policy AWS's message names (`identity-based policy`, `resource-based policy`). */
    readonly policy?: string;
  };
}

/** A policy the template holds that the evaluator cannot use as written: AWS accepts such policies and they grant nothing. */
export interface PolicyProblem {
  /** The resource that holds it: `Stack/LogicalId` (its type). */
  readonly holder: string;
  /** What is wrong: `unknown action eventsv2:PutEvents`, `unknown condition operator StringEqualz`, `not a policy document`. */
  readonly problem: string;
  /** IAM takes the policy as written and this part grants nothing there too (an action it does not recognize): no difference from AWS. */
  readonly asInAws?: true;
}
