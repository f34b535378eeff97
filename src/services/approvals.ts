/**
 * Approvals: a dispatch of a job whose policy asks for approval is held as a request until enough
 * approvers agree, then dispatched exactly as asked, attributed to the requester with the approvers
 * recorded. Glossary:
 * - submit: what every dispatch door calls instead of dispatching directly: it dispatches, or, when
 *   the gate answers `approval_required`, opens a request.
 * - person: the Slack user behind an actor (a token's on-behalf-of user or creator); the requester's
 *   person can never approve their own request.
 * Requests, votes and closing are in the database, so a restart loses none; an approved request
 * whose dispatch a crash prevented is dispatched by `resume()`.
 */
import { type Actor, type AuditTrail, NO_AUDIT, SYSTEM } from '../domain/actor.js';
import { isJobbotError, JobbotError } from '../domain/errors.js';
import { mention, principalNames } from '../domain/policy/index.js';
import type { Logger } from '../logger.js';
import type {
  ApprovalRecord,
  ApprovalRepository,
  ApprovalRule,
  StoredDispatchRequest,
} from '../store/approvals.js';
import type { DispatchRecord } from '../store/dispatches.js';
import type { ApprovalNeeded } from './access.js';
import type { DispatchRequest, DispatchService } from './dispatches.js';

/** How the people concerned hear about a request (Slack). Failures are theirs to log. */
export interface ApprovalNotifications {
  requested(a: ApprovalRecord): Promise<void>;
  changed(a: ApprovalRecord): Promise<void>;
  tellRequester(a: ApprovalRecord, text: string): Promise<void>;
}

export interface ApprovalGate {
  /** Throws `forbidden` when the actor may not approve under this rule. */
  requireApprover(actor: Actor, rule: ApprovalRule): void;
  personOf(actor: Actor): string | undefined;
  /** Reads what the checks need about this person (their groups) before a synchronous check. */
  prepare(userId: string): Promise<void>;
}

export type Submitted =
  | { kind: 'dispatched'; dispatch: DispatchRecord }
  | { kind: 'requested'; approval: ApprovalRecord };

type Dispatches = Pick<DispatchService, 'dispatch' | 'plan'>;

export class ApprovalService {
  constructor(
    private readonly store: ApprovalRepository,
    private readonly dispatches: Dispatches,
    private readonly gate: ApprovalGate,
    private readonly notify: ApprovalNotifications,
    private readonly log: Logger,
    private readonly audit: AuditTrail = NO_AUDIT,
    private readonly now: () => Date = () => new Date(),
  ) {}

  submit(request: DispatchRequest, actor: Actor): Submitted {
    try {
      return { kind: 'dispatched', dispatch: this.dispatches.dispatch(request, actor) };
    } catch (err) {
      if (!isJobbotError(err) || err.code !== 'approval_required') throw err;
      return {
        kind: 'requested',
        approval: this.open(request, actor, err.details.approval as ApprovalNeeded),
      };
    }
  }

  get(id: number): ApprovalRecord {
    const a = this.store.get(id);
    if (!a) throw new JobbotError('approval_not_found', `There is no approval request #${id}.`);
    return a;
  }

  async approve(id: number, actor: Actor): Promise<ApprovalRecord> {
    const a = this.openRequest(id);
    const person = this.gate.personOf(actor);
    if (person && person === this.gate.personOf(a.requester))
      throw new JobbotError(
        'forbidden',
        `You asked for this dispatch, so you cannot approve it yourself; it needs approval from ${approversText(a.rule)}.`,
        { rule: a.rule.rule },
      );
    this.gate.requireApprover(actor, a.rule);
    const at = this.at();
    if (!this.store.vote(id, { id: actor.id, name: actor.name }, at))
      throw new JobbotError(
        'already_approved',
        `You approved request #${id} already; each approver counts once.`,
      );
    this.audit.record(actor, 'approval.granted', `approval:${id}`, {
      job: a.definitionName,
      votes: a.votes.length + 1,
      needed: a.rule.approvals,
    });
    const voted = this.get(id);
    if (voted.votes.length < a.rule.approvals) {
      this.tell(() => this.notify.changed(voted));
      return voted;
    }
    // Compare-and-set: of two last approvals pressed together, one closes the request and dispatches.
    if (this.store.close(id, { state: 'approved' }, at)) {
      this.audit.record(SYSTEM, 'approval.approved', `approval:${id}`, {
        job: a.definitionName,
        approvers: voted.votes.map((v) => v.userId),
      });
      const requester = this.gate.personOf(a.requester);
      if (requester) await this.gate.prepare(requester);
      this.execute(this.get(id));
    }
    return this.get(id);
  }

  reject(id: number, actor: Actor): ApprovalRecord {
    const a = this.openRequest(id);
    const withdrawing = this.gate.personOf(actor) === this.gate.personOf(a.requester);
    if (!withdrawing) this.gate.requireApprover(actor, a.rule);
    const reason = withdrawing ? 'Withdrawn by the requester' : `Rejected by ${mention(actor.id)}`;
    if (!this.store.close(id, { state: 'rejected', closedBy: actor, reason }, this.at()))
      throw this.closedError(this.get(id));
    this.audit.record(actor, 'approval.rejected', `approval:${id}`, {
      job: a.definitionName,
      withdrawn: withdrawing,
    });
    const closed = this.get(id);
    this.tell(() => this.notify.changed(closed));
    if (!withdrawing)
      this.tell(() =>
        this.notify.tellRequester(
          closed,
          `${mention(actor.id)} rejected your dispatch of ${a.definitionName} (approval request #${id}); nothing was run.`,
        ),
      );
    return closed;
  }

  /** Closes requests left open past their time; run on a timer. */
  expireDue(): void {
    for (const id of this.store.due(this.at())) this.expire(id);
  }

  /** After a restart: an approved request whose dispatch a crash prevented is dispatched now. */
  resume(): void {
    for (const id of this.store.undispatched()) {
      const a = this.get(id);
      if (a.reason === null) this.execute(a);
    }
    this.expireDue();
  }

  private open(request: DispatchRequest, actor: Actor, rule: ApprovalNeeded): ApprovalRecord {
    const { overrides } = this.dispatches.plan(request);
    const at = this.now();
    const stored: StoredDispatchRequest & { changes: string[] } = {
      name: request.name,
      ...(request.words ? { words: request.words } : {}),
      ...(request.template ? { template: request.template } : {}),
      channel: request.channel,
      sourceChannel: request.sourceChannel,
      ...(request.rerunOf !== undefined ? { rerunOf: request.rerunOf } : {}),
      changes: overrides,
    };
    const a = this.store.create(
      {
        definitionName: request.name,
        request: stored,
        requester: actor,
        rule,
        channel: rule.channel ?? request.sourceChannel ?? request.channel,
        expiresAt: new Date(at.getTime() + rule.expiresAfterSeconds * 1000).toISOString(),
      },
      at.toISOString(),
    );
    this.log.info(
      { approval: a.id, job: request.name, user: actor.id, rule: rule.rule },
      'approval requested',
    );
    this.audit.record(actor, 'approval.requested', `approval:${a.id}`, {
      job: request.name,
      changes: overrides,
      rule: rule.rule,
      approvals: rule.approvals,
    });
    this.tell(() => this.notify.requested(a));
    return a;
  }

  private execute(a: ApprovalRecord): void {
    const approvedBy = a.votes.map((v) => ({ id: v.userId, name: v.userName }));
    const { changes: _, ...request } = a.request as StoredDispatchRequest & { changes?: string[] };
    try {
      const d = this.dispatches.dispatch({ ...(request as DispatchRequest), approvedBy }, a.requester);
      this.store.setDispatch(a.id, d.number);
      const done = this.get(a.id);
      this.tell(() => this.notify.changed(done));
      this.tell(() =>
        this.notify.tellRequester(
          done,
          `Your dispatch of ${a.definitionName} was approved by ${approvedBy.map((p) => mention(p.id)).join(', ')}: it runs as #${d.number}.`,
        ),
      );
    } catch (err) {
      const reason = isJobbotError(err) ? err.userMessage : 'an unexpected error (it is in Jobbot’s log)';
      if (!isJobbotError(err))
        this.log.error({ err, approval: a.id }, 'dispatching an approved request failed');
      this.store.fail(a.id, reason);
      this.audit.record(SYSTEM, 'approval.failed', `approval:${a.id}`, { job: a.definitionName, reason });
      const failed = this.get(a.id);
      this.tell(() => this.notify.changed(failed));
      this.tell(() =>
        this.notify.tellRequester(
          failed,
          `Your approved dispatch of ${a.definitionName} could not start: ${reason}`,
        ),
      );
    }
  }

  private expire(id: number): void {
    if (!this.store.close(id, { state: 'expired', reason: 'No decision in time' }, this.at())) return;
    const a = this.get(id);
    this.audit.record(SYSTEM, 'approval.expired', `approval:${id}`, {
      job: a.definitionName,
      votes: a.votes.length,
    });
    this.tell(() => this.notify.changed(a));
    this.tell(() =>
      this.notify.tellRequester(
        a,
        `Your dispatch of ${a.definitionName} (approval request #${id}) expired with ${a.votes.length} of ${a.rule.approvals} approvals; nothing was run. Ask again when approvers are around.`,
      ),
    );
  }

  private openRequest(id: number): ApprovalRecord {
    const a = this.get(id);
    if (a.state === 'open' && Date.parse(a.expiresAt) <= this.now().getTime()) {
      this.expire(id);
      throw this.closedError(this.get(id));
    }
    if (a.state !== 'open') throw this.closedError(a);
    return a;
  }

  private closedError(a: ApprovalRecord): JobbotError {
    const how =
      a.state === 'approved' || a.state === 'failed'
        ? `was approved already${a.dispatchNumber ? ` (dispatch #${a.dispatchNumber})` : ''}`
        : a.state === 'rejected'
          ? 'was rejected'
          : 'has expired';
    return new JobbotError('approval_closed', `Approval request #${a.id} ${how}; nothing more to decide.`);
  }

  private tell(send: () => Promise<void>): void {
    void send().catch((err: unknown) => this.log.warn({ err }, 'could not post about an approval request'));
  }

  private at(): string {
    return this.now().toISOString();
  }
}

function approversText(rule: ApprovalRule): string {
  return principalNames(rule.approvers) || 'the approvers the policy names';
}
