import { IsIn, IsOptional, Matches, ValidateIf, IsNotEmpty } from 'class-validator';

const POSITIVE_INT = /^[1-9]\d{0,8}$/;
const NON_NEGATIVE_INT = /^\d{1,9}$/;
const BOOLEAN = /^(true|false|1|0)$/i;

/** The raw environment as ops set it: every value a string, checked before anything is parsed. */
export class EnvironmentVariables {
  @IsOptional()
  @Matches(/^\d{1,5}$/, { message: 'PORT must be a port number (1-65535), got "$value"' })
  PORT?: string;

  @IsOptional()
  @IsIn(['development', 'production', 'test'], {
    message: 'NODE_ENV must be one of development, production, test, got "$value"',
  })
  NODE_ENV?: string;

  @IsOptional()
  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
    message: 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "$value"',
  })
  LOG_LEVEL?: string;

  @IsOptional()
  @IsIn(['s3', 'fs'], { message: 'STORAGE_DRIVER must be "s3" or "fs", got "$value"' })
  STORAGE_DRIVER?: string;

  @ValidateIf((env: EnvironmentVariables) => env.STORAGE_DRIVER === 's3')
  @IsNotEmpty({ message: 'S3_BUCKET is required when STORAGE_DRIVER=s3' })
  S3_BUCKET?: string;

  @IsOptional()
  @Matches(/^https?:\/\/[^\s/]+(\/.*)?$/, { message: 'S3_ENDPOINT must be an http(s) URL, got "$value"' })
  S3_ENDPOINT?: string;

  @IsOptional()
  @Matches(BOOLEAN, { message: 'S3_FORCE_PATH_STYLE must be true or false, got "$value"' })
  S3_FORCE_PATH_STYLE?: string;

  @IsOptional()
  @Matches(/^([A-Za-z0-9_.-]+\/)*$/, {
    message: 'S3_KEY_PREFIX must be empty or folder names ending in "/", got "$value"',
  })
  S3_KEY_PREFIX?: string;

  @IsOptional()
  @Matches(POSITIVE_INT, { message: 'RENDER_CONCURRENCY must be a positive integer, got "$value"' })
  RENDER_CONCURRENCY?: string;

  @IsOptional()
  @Matches(NON_NEGATIVE_INT, { message: 'RENDER_QUEUE_LIMIT must be a non-negative integer, got "$value"' })
  RENDER_QUEUE_LIMIT?: string;

  @IsOptional()
  @Matches(POSITIVE_INT, { message: 'RENDER_TIMEOUT_MS must be a positive integer, got "$value"' })
  RENDER_TIMEOUT_MS?: string;

  @IsOptional()
  @Matches(POSITIVE_INT, { message: 'RENDER_RECYCLE_AFTER must be a positive integer, got "$value"' })
  RENDER_RECYCLE_AFTER?: string;

  @IsOptional()
  @Matches(NON_NEGATIVE_INT, { message: 'SHUTDOWN_GRACE_MS must be a non-negative integer, got "$value"' })
  SHUTDOWN_GRACE_MS?: string;
}
