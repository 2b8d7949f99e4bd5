import type { ServiceOption } from '../service-registry/service-module.js';

/** A value of SWITCHYARD_SES_SANDBOX or `--ses-sandbox` that is neither on nor off. */
export class SesSettingError extends Error {
  override readonly name = 'SesSettingError';
}

/**
 * Reads whether SES runs in its sandbox: `on`/`true` or `off`/`false` (any case), as
 * `--ses-sandbox` and SWITCHYARD_SES_SANDBOX take it.
 * @throws SesSettingError for another value, naming where it came from
 */
export function parseSandbox(value: string, where: string): boolean {
  const setting = value.trim().toLowerCase();
  if (setting === 'on' || setting === 'true') return true;
  if (setting === 'off' || setting === 'false') return false;
  throw new SesSettingError(
    `${where} is ${JSON.stringify(value)}; it must be on (SES's sandbox, as a new AWS account has it) or off (production access)`,
  );
}

/** `--ses-sandbox`, else SWITCHYARD_SES_SANDBOX: the sandbox's setting as `switchyard dev` and `npm start` take it. */
export const SES_SANDBOX_OPTION: ServiceOption<'sesSandbox'> = {
  name: 'sesSandbox',
  flag: 'ses-sandbox',
  env: 'SWITCHYARD_SES_SANDBOX',
  default: 'on',
  help: `  --ses-sandbox on|off
              SES's sandbox, as a new AWS account has it (on, the default: mail only to
              verified identities and the mailbox simulator, 200 a day) or production access
              (off); default SWITCHYARD_SES_SANDBOX, else on`,
  parse: parseSandbox,
};

/**
 * Whether SES runs in its sandbox: the runtime's option, else SWITCHYARD_SES_SANDBOX, else on,
 * as every new AWS account's SES is until production access is granted.
 */
export function sesSandboxOf(option: boolean | undefined, env: NodeJS.ProcessEnv = process.env): boolean {
  if (option !== undefined) return option;
  const setting = env[SES_SANDBOX_OPTION.env];
  return setting === undefined || setting === '' ? true : parseSandbox(setting, SES_SANDBOX_OPTION.env);
}

/** The start-up report's line for SES. */
export function sandboxLine(sandbox: boolean): string {
  return sandbox
    ? '  ses: sandbox, as a new AWS account (mail only to verified identities and the mailbox simulator, 200 a day; --ses-sandbox off lifts it; switchyard mail verify <address> verifies one); sent mail: switchyard mail'
    : '  ses: production access (mail to any address, 50,000 a day); sent mail: switchyard mail';
}
