export declare const ROLE_KEY_PREFIX: string;
export declare function isRoleSessionKey(accessKeyId: string | undefined): boolean;
export declare function roleSessionSecret(masterSecret: string, accessKeyId: string): string;
export declare function keyRing(credentials: readonly { readonly accessKeyId: string; readonly secretAccessKey: string }[]): {
  get(accessKeyId: string): string | undefined;
};
