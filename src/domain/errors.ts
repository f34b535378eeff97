/**
 * Errors that reach a person. Each carries a stable `code` (for logs, metrics, API bodies and tests)
 * and a `userMessage`: one sentence that says what happened and what to do next. Anything that is
 * not a JobbotError is a bug and is shown to the user only as a generic apology with a reference.
 */
export type ErrorCode =
  | 'unknown_subcommand'
  | 'usage'
  | 'definition_not_found'
  | 'file_unreadable'
  | 'no_yaml'
  | 'dispatch_not_found'
  | 'dispatch_not_cancellable'
  | 'invalid_overrides'
  | 'definition_changed'
  | 'pipeline_not_found'
  | 'pipeline_run_not_found'
  | 'pipeline_not_cancellable'
  | 'invalid_pipeline'
  | 'forbidden'
  | 'approval_required'
  | 'approval_not_found'
  | 'approval_closed'
  | 'already_approved'
  | 'internal_error';

export class JobbotError extends Error {
  readonly code: ErrorCode;
  readonly userMessage: string;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, userMessage: string, details: Record<string, unknown> = {}, cause?: unknown) {
    super(userMessage, cause === undefined ? undefined : { cause });
    this.name = 'JobbotError';
    this.code = code;
    this.userMessage = userMessage;
    this.details = details;
  }
}

export function isJobbotError(err: unknown): err is JobbotError {
  return err instanceof JobbotError;
}
