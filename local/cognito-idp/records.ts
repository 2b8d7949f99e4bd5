import type { SrpVerifier } from './srp.js';

/** A user pool as the service keeps it: DescribeUserPool's fields (dates in epoch milliseconds). */
export interface PoolRecord {
  readonly Id: string;
  readonly Name: string;
  readonly Arn: string;
  readonly Policies: { readonly PasswordPolicy: PasswordPolicy };
  readonly SchemaAttributes: readonly SchemaAttribute[];
  readonly UsernameAttributes?: readonly string[];
  readonly AliasAttributes?: readonly string[];
  readonly AutoVerifiedAttributes?: readonly string[];
  readonly UsernameConfiguration?: { readonly CaseSensitive?: boolean };
  readonly AdminCreateUserConfig?: { readonly AllowAdminCreateUserOnly?: boolean; readonly UnusedAccountValidityDays?: number };
  readonly LambdaConfig?: Readonly<Record<string, unknown>>;
  readonly MfaConfiguration: string;
  /** The MFA methods the pool offers (`SOFTWARE_TOKEN_MFA`, `SMS_MFA`, `EMAIL_OTP`). */
  readonly EnabledMfas?: readonly string[];
  readonly DeletionProtection?: string;
  readonly CreationDate: number;
  readonly LastModifiedDate: number;
  /** Where it came from: the template's pools come back at each start. */
  readonly origin: 'template' | 'api';
}

export interface PasswordPolicy {
  readonly MinimumLength: number;
  readonly RequireUppercase: boolean;
  readonly RequireLowercase: boolean;
  readonly RequireNumbers: boolean;
  readonly RequireSymbols: boolean;
  readonly TemporaryPasswordValidityDays: number;
}

export interface SchemaAttribute {
  readonly Name: string;
  readonly AttributeDataType: 'String' | 'Number' | 'DateTime' | 'Boolean';
  readonly DeveloperOnlyAttribute?: boolean;
  readonly Mutable: boolean;
  readonly Required: boolean;
  readonly StringAttributeConstraints?: { readonly MinLength?: string; readonly MaxLength?: string };
  readonly NumberAttributeConstraints?: { readonly MinValue?: string; readonly MaxValue?: string };
}

/** An app client: DescribeUserPoolClient's fields. */
export interface ClientRecord {
  readonly UserPoolId: string;
  readonly ClientName: string;
  readonly ClientId: string;
  readonly ClientSecret?: string;
  readonly ExplicitAuthFlows?: readonly string[];
  readonly RefreshTokenValidity?: number;
  readonly AccessTokenValidity?: number;
  readonly IdTokenValidity?: number;
  readonly TokenValidityUnits?: { readonly AccessToken?: string; readonly IdToken?: string; readonly RefreshToken?: string };
  readonly ReadAttributes?: readonly string[];
  readonly WriteAttributes?: readonly string[];
  readonly AllowedOAuthFlows?: readonly string[];
  readonly AllowedOAuthScopes?: readonly string[];
  readonly AllowedOAuthFlowsUserPoolClient?: boolean;
  readonly CallbackURLs?: readonly string[];
  readonly LogoutURLs?: readonly string[];
  readonly SupportedIdentityProviders?: readonly string[];
  readonly PreventUserExistenceErrors?: string;
  readonly EnableTokenRevocation?: boolean;
  readonly AuthSessionValidity?: number;
  readonly CreationDate: number;
  readonly LastModifiedDate: number;
  readonly origin: 'template' | 'api';
}

export interface GroupRecord {
  readonly GroupName: string;
  readonly UserPoolId: string;
  readonly Description?: string;
  readonly RoleArn?: string;
  readonly Precedence?: number;
  readonly CreationDate: number;
  readonly LastModifiedDate: number;
}

export type UserStatus = 'UNCONFIRMED' | 'CONFIRMED' | 'FORCE_CHANGE_PASSWORD' | 'RESET_REQUIRED';

export interface UserRecord {
  readonly poolId: string;
  readonly Username: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly status: UserStatus;
  readonly enabled: boolean;
  /** scrypt of the password, `<salt>:<hash>` in base64; none for a user without one yet. */
  readonly password?: string;
  /** What verifies an SRP sign-in (USER_SRP_AUTH) without the password: made whenever the password is set. */
  readonly srp?: SrpVerifier;
  /** When a temporary password (AdminCreateUser's) stops working. */
  readonly temporaryUntil?: number;
  /** The sign-up code mailed and when it expires. */
  readonly code?: { readonly value: string; readonly expires: number };
  /** The password reset code (ForgotPassword's, AdminResetUserPassword's), when it expires and the wrong codes tried against it. */
  readonly resetCode?: { readonly value: string; readonly expires: number; readonly failures: number };
  /** The user's TOTP authenticator: the secret being set up, the one verified, and whether MFA by it is on and preferred. */
  readonly totp?: TotpSettings;
  readonly groups: readonly string[];
  readonly created: number;
  readonly modified: number;
}

export interface TotpSettings {
  /** AssociateSoftwareToken's secret (base32), until VerifySoftwareToken proves the authenticator has it. */
  readonly pending?: string;
  /** The verified secret (base32). */
  readonly secret?: string;
  readonly enabled: boolean;
  readonly preferred: boolean;
}

/** A refresh token the pool issued: opaque locally (AWS's is an encrypted JWT). */
export interface RefreshRecord {
  readonly poolId: string;
  readonly clientId: string;
  readonly username: string;
  readonly expires: number;
  /** The `origin_jti` of the tokens issued with it and from it: revoking it revokes them (RevokeToken, GlobalSignOut). */
  readonly origin?: string;
  /** Revoked (RevokeToken, GlobalSignOut, AdminUserGlobalSignOut): kept so a later refresh is told so. */
  readonly revoked?: boolean;
}

/** An auth challenge in progress: NEW_PASSWORD_REQUIRED by its Session, PASSWORD_VERIFIER by its secret block. */
export interface SessionRecord {
  readonly poolId: string;
  readonly clientId: string;
  readonly username: string;
  readonly challenge: string;
  readonly expires: number;
  /** MFA_SETUP's: VerifySoftwareToken has proved the authenticator, so the challenge may be answered. */
  readonly verified?: boolean;
  /** PASSWORD_VERIFIER's: the client's A and the server's b and B, in hex. */
  readonly srp?: { readonly srpA: string; readonly b: string; readonly B: string };
}

/** A pool's signing key. */
export interface KeyRecord {
  readonly poolId: string;
  readonly kid: string;
  readonly privateKey: string;
}
