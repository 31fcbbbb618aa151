/**
 * The small set of failures a command can end with. `main.ts` maps each to one exit code and a
 * one-line message, so every command reports bad input the same way and never with a stack trace.
 */
export const ExitCode = {
  ok: 0,
  /** Runtime failure: I/O, network, a bug. */
  runtime: 1,
  /** Bad command line or configuration. */
  usage: 2,
  /** Bad or inconsistent market data. */
  data: 3,
  /** Object storage refused or failed: bad credentials, missing bucket, unreachable endpoint. */
  storage: 4,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export class AppError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode = ExitCode.runtime,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Unknown flag, bad flag value, missing argument. */
export class UsageError extends AppError {
  constructor(message: string) {
    super(message, ExitCode.usage);
  }
}

/** Invalid config file or value; the message names the file and key path. */
export class ConfigError extends AppError {
  constructor(message: string) {
    super(message, ExitCode.usage);
  }
}

/** Input data that cannot be used: missing, unreadable schema, impossible values. */
export class DataError extends AppError {
  constructor(message: string) {
    super(message, ExitCode.data);
  }
}

/** Object storage (s3://) refused a request or cannot be reached; the message names bucket and key, never a secret. */
export class StorageError extends AppError {
  constructor(message: string) {
    super(message, ExitCode.storage);
  }
}

/** Short, single-line description of any thrown value (for logs; never includes a stack). */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message.split("\n")[0] || err.name;
  return String(err).split("\n")[0];
}
