import { existsSync } from 'node:fs';

/**
 * The process environment, after loading `.env` from the working directory when there is one
 * (variables already set win). The only reader of `process.env`.
 */
export function readEnvironment(envFile = '.env'): NodeJS.ProcessEnv {
  if (existsSync(envFile)) process.loadEnvFile(envFile);
  return process.env;
}
