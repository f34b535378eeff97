/**
 * Approval requests and their votes (see migration 9). State changes are compare-and-set on `state =
 * 'open'`, so two approvers pressing at once, or an approval racing the expiry, close a request once.
 */
import type { Actor } from '../domain/actor.js';
import type { Db } from './db.js';

export type ApprovalState = 'open' | 'approved' | 'rejected' | 'expired' | 'failed';

export interface ApprovalRule {
  rule: string;
  approvals: number;
  approvers: { users: string[]; groups: string[] };
  expiresAfterSeconds: number;
  channel?: string;
}

export interface StoredDispatchRequest {
  name: string;
  words?: string[];
  template?: unknown;
  channel: string | null;
  sourceChannel: string | null;
  rerunOf?: number;
}

export interface ApprovalRecord {
  id: number;
  definitionName: string;
  request: StoredDispatchRequest;
  requester: Actor;
  rule: ApprovalRule;
  state: ApprovalState;
  channel: string | null;
  messageTs: string | null;
  dispatchNumber: number | null;
  closedBy: Actor | null;
  reason: string | null;
  createdAt: string;
  expiresAt: string;
  closedAt: string | null;
  votes: { userId: string; userName: string; at: string }[];
}

type Row = Record<string, unknown>;

export class ApprovalRepository {
  constructor(private readonly db: Db) {}

  create(
    a: Pick<ApprovalRecord, 'definitionName' | 'request' | 'requester' | 'rule' | 'channel' | 'expiresAt'>,
    at: string,
  ): ApprovalRecord {
    const { lastInsertRowid } = this.db
      .prepare(
        `insert into approval_requests (definition_name, request, requester, rule, state, channel, created_at, expires_at)
         values (?, ?, ?, ?, 'open', ?, ?, ?)`,
      )
      .run(
        a.definitionName,
        JSON.stringify(a.request),
        JSON.stringify(a.requester),
        JSON.stringify(a.rule),
        a.channel,
        at,
        a.expiresAt,
      );
    return this.get(Number(lastInsertRowid))!;
  }

  get(id: number): ApprovalRecord | undefined {
    const r = this.db.prepare('select * from approval_requests where id = ?').get(id) as Row | undefined;
    if (!r) return undefined;
    const votes = this.db
      .prepare('select user_id, user_name, at from approval_votes where request_id = ? order by at, user_id')
      .all(id) as Row[];
    return {
      id: Number(r.id),
      definitionName: String(r.definition_name),
      request: JSON.parse(String(r.request)) as StoredDispatchRequest,
      requester: JSON.parse(String(r.requester)) as Actor,
      rule: JSON.parse(String(r.rule)) as ApprovalRule,
      state: r.state as ApprovalState,
      channel: (r.channel as string | null) ?? null,
      messageTs: (r.message_ts as string | null) ?? null,
      dispatchNumber: r.dispatch_number === null ? null : Number(r.dispatch_number),
      closedBy: r.closed_by ? (JSON.parse(String(r.closed_by)) as Actor) : null,
      reason: (r.reason as string | null) ?? null,
      createdAt: String(r.created_at),
      expiresAt: String(r.expires_at),
      closedAt: (r.closed_at as string | null) ?? null,
      votes: votes.map((v) => ({
        userId: String(v.user_id),
        userName: String(v.user_name),
        at: String(v.at),
      })),
    };
  }

  /** False when this person had approved already. */
  vote(id: number, user: { id: string; name: string }, at: string): boolean {
    const res = this.db
      .prepare(
        'insert or ignore into approval_votes (request_id, user_id, user_name, at) values (?, ?, ?, ?)',
      )
      .run(id, user.id, user.name, at);
    return res.changes === 1;
  }

  /** Closes an open request; false when it was no longer open (someone else closed it first). */
  close(
    id: number,
    change: { state: Exclude<ApprovalState, 'open'>; closedBy?: Actor; reason?: string },
    at: string,
  ): boolean {
    const res = this.db
      .prepare(
        `update approval_requests set state = ?, closed_by = ?, reason = ?, closed_at = ?
         where id = ? and state = 'open'`,
      )
      .run(
        change.state,
        change.closedBy ? JSON.stringify(change.closedBy) : null,
        change.reason ?? null,
        at,
        id,
      );
    return res.changes === 1;
  }

  /** An approved request whose dispatch could not start. */
  fail(id: number, reason: string): void {
    this.db.prepare(`update approval_requests set state = 'failed', reason = ? where id = ?`).run(reason, id);
  }

  setDispatch(id: number, dispatchNumber: number): void {
    this.db.prepare('update approval_requests set dispatch_number = ? where id = ?').run(dispatchNumber, id);
  }

  setMessage(id: number, channel: string, ts: string): void {
    this.db
      .prepare('update approval_requests set channel = ?, message_ts = ? where id = ?')
      .run(channel, ts, id);
  }

  /** Open requests past their expiry. */
  due(at: string): number[] {
    return (
      this.db
        .prepare(`select id from approval_requests where state = 'open' and expires_at <= ? order by id`)
        .all(at) as Row[]
    ).map((r) => Number(r.id));
  }

  /** Approved requests without a dispatch yet: a crash between the two. */
  undispatched(): number[] {
    return (
      this.db
        .prepare(
          `select id from approval_requests where state = 'approved' and dispatch_number is null order by id`,
        )
        .all() as Row[]
    ).map((r) => Number(r.id));
  }

  transaction<T>(work: () => T): T {
    return this.db.transaction(work)();
  }
}
