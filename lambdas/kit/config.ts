import { ENV } from '../../contracts/wiring.js';
import { ConfigError } from './errors.js';

/**
 * Reads a required environment variable. Call it at module load, so that a
 * misconfigured function fails at its first cold start with the variable's name,
 * not on some later record.
 */
export function requireEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (value === undefined || value.trim() === '') {
    throw new ConfigError(`environment variable ${name} is required but ${value === undefined ? 'not set' : 'empty'}`);
  }
  return value;
}

/** Whether this deployment lets events ask for simulated failures (`true` only; unset is no). */
export function simulatedFailuresAllowed(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[ENV.allowSimulatedFailures] === 'true';
}

/** Reads a required environment variable that must be one of `allowed`. */
export function requireEnum<const T extends string>(name: string, allowed: readonly T[], env: NodeJS.ProcessEnv = process.env): T {
  const value = requireEnv(name, env);
  if (!(allowed as readonly string[]).includes(value)) {
    throw new ConfigError(`environment variable ${name} is ${JSON.stringify(value)}; allowed: ${allowed.join(', ')}`);
  }
  return value as T;
}

/** Reads a required environment variable that must be a number within [min, max]. */
export function requireNumber(name: string, min: number, max: number, env: NodeJS.ProcessEnv = process.env): number {
  const raw = requireEnv(name, env);
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new ConfigError(`environment variable ${name} is ${JSON.stringify(raw)}; expected a number from ${min} to ${max}`);
  }
  return value;
}
