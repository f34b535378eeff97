/**
 * What every `jobbot` command shares: where it writes, which settings it reads, and the one error type
 * that ends a command with exit status 1. A CliError carries a stable code (for scripts and tests) and
 * a sentence that says what to do.
 */
import type { Writable } from 'node:stream';

export interface CliIo {
  stdout: Writable;
  stderr: Writable;
  /** The settings to read (JOBBOT_DB, KUBECONFIG, …); the process environment when left out. */
  env?: Record<string, string | undefined>;
  cwd: string;
}

export type CliErrorCode =
  | 'usage'
  | 'no_database'
  | 'database_unreadable'
  | 'schema_mismatch'
  | 'bad_settings'
  | 'path_unreadable'
  | 'nothing_to_import'
  | 'not_writable'
  | 'backup_exists'
  | 'backup_failed';

export class CliError extends Error {
  constructor(
    readonly code: CliErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
