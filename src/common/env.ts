/** A configuration problem found at start-up; its message is one line, naming the variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export type Env = Readonly<Record<string, string | undefined>>;

/** The value of `name`, or its development default where defaults are allowed; ConfigError otherwise. */
export function requireVariable(env: Env, name: string, developmentDefault?: string): string {
  const value = env[name];
  if (value !== undefined && value !== '') return value;
  if (developmentDefault !== undefined) return developmentDefault;
  throw new ConfigError(`Missing required environment variable: ${name}`);
}

export function integerVariable(env: Env, name: string, fallback: number, { min = 0 } = {}): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    throw new ConfigError(
      `Environment variable ${name} must be a whole number of at least ${min}, not "${raw}"`,
    );
  }
  return value;
}

export function booleanVariable(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(`Environment variable ${name} must be true or false, not "${env[name]}"`);
}

/** `development` and `test` get local defaults; every other name is production-like. */
export function isLocalEnvironment(environment: string): boolean {
  return environment === 'development' || environment === 'test';
}
