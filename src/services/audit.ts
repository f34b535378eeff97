/**
 * Recording actions in the audit log. Details are redacted and capped here, before they are hashed
 * and stored, so no caller can store a secret by forgetting to.
 *
 * When the write fails: the action being recorded has usually already happened (the Job exists, the
 * definition is saved), so by default `record` does not throw — that would tell the person their
 * action failed and invite a retry that does it twice. The entry is not lost silently either: it is
 * logged whole (redacted) at error level with `auditLost: true`, to alert on and recover from. A
 * caller that must not act without a record (e.g. an approval) records first with `strict`, which
 * rethrows so the caller can refuse the action.
 */
import type { Actor } from '../domain/actor.js';
import {
  type AuditAction,
  type AuditDetails,
  type AuditEntry,
  auditDetails,
  type NewAuditEntry,
  type RedactOptions,
} from '../domain/audit.js';
import type { AuditQuery } from '../store/audit.js';

/** The repository operations this service uses. */
export interface AuditStore {
  append(entry: NewAuditEntry): AuditEntry;
  list(query: AuditQuery): AuditEntry[];
}

/** The part of a pino logger this service uses. */
export interface AuditErrorLog {
  error(fields: Record<string, unknown>, message: string): void;
}

export interface RecordOptions extends RedactOptions {
  /** Rethrow a failed write instead of only logging it. */
  strict?: boolean;
}

export interface AuditServiceOptions {
  /** The default for `RecordOptions.strict`. */
  strict?: boolean;
  now?: () => Date;
}

export class AuditService {
  private readonly now: () => Date;

  constructor(
    private readonly store: AuditStore,
    private readonly log: AuditErrorLog,
    private readonly options: AuditServiceOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
  }

  /** The stored entry, or undefined when it could not be written (and was logged instead). */
  record(
    actor: Actor,
    action: AuditAction,
    target: string,
    details: unknown = {},
    options: RecordOptions = {},
  ): AuditEntry | undefined {
    const at = this.now().toISOString();
    let redacted: AuditDetails | undefined;
    try {
      redacted = auditDetails(details, options);
      return this.store.append({ at, actor, action, target, details: redacted });
    } catch (err) {
      this.log.error(
        {
          err,
          auditLost: true,
          audit: { at, actor, action, target, details: redacted ?? '[not logged: redaction failed]' },
        },
        'audit entry could not be recorded',
      );
      if (options.strict ?? this.options.strict ?? false) throw err;
      return undefined;
    }
  }

  query(query: AuditQuery): AuditEntry[] {
    return this.store.list(query);
  }
}
