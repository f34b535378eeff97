/**
 * The access-control part of the composition root (main.ts stays short): the policy gate and the
 * Slack directory behind it, the middleware that reads a person's groups before any listener runs,
 * approvals (store, service, Slack messages, buttons, the expiry timer), and reloading the policy on
 * SIGHUP without dropping work.
 */
import type { App, webApi } from '@slack/bolt';
import { readPolicy } from './config.js';
import type { AuditTrail } from './domain/actor.js';
import { personOf, SYSTEM } from './domain/actor.js';
import { type Policy, policyWarnings } from './domain/policy/index.js';
import type { Logger } from './logger.js';
import { AccessService } from './services/access.js';
import { ApprovalService } from './services/approvals.js';
import type { DispatchService } from './services/dispatches.js';
import { SlackApprovalNotifications } from './slack/approval-notifications.js';
import { approvalSubcommands, registerApprovalListeners } from './slack/listeners/approvals.js';
import { SlackPrincipals } from './slack/principals.js';
import type { UserDirectory } from './slack/users.js';
import { ApprovalRepository } from './store/approvals.js';
import type { Db } from './store/db.js';

const EXPIRY_CHECK_MS = 15_000;

export function composeAccess(deps: { policy: Policy; web: webApi.WebClient; app: App; log: Logger }) {
  const log = deps.log.child({ component: 'access' });
  const access = new AccessService(deps.policy, new SlackPrincipals(deps.web, log), log);
  for (const warning of policyWarnings(deps.policy)) log.warn(warning);
  // Before any listener: the checks are synchronous, so a person's groups are read ahead.
  deps.app.use(async ({ body, next }) => {
    const b = body as { user_id?: string; user?: { id?: string }; event?: { user?: string } };
    const user = b.user_id ?? b.user?.id ?? b.event?.user;
    if (user) await access.prepare(user);
    await next();
  });
  return access;
}

export function composeApprovals(deps: {
  db: Db;
  web: webApi.WebClient;
  app: App;
  access: AccessService;
  dispatches: DispatchService;
  users: UserDirectory;
  audit: AuditTrail;
  log: Logger;
}) {
  const log = deps.log.child({ component: 'approvals' });
  const store = new ApprovalRepository(deps.db);
  const service = new ApprovalService(
    store,
    deps.dispatches,
    {
      requireApprover: (actor, rule) => deps.access.require(actor, { kind: 'approve', approval: rule }),
      personOf,
      prepare: (user) => deps.access.prepare(user),
    },
    new SlackApprovalNotifications(deps.web, store, () => deps.access.mask, log),
    log,
    deps.audit,
  );
  const listenerDeps = { approvals: service, users: deps.users, log };
  registerApprovalListeners(deps.app, listenerDeps);
  let timer: NodeJS.Timeout | undefined;
  return {
    service,
    subcommands: approvalSubcommands(listenerDeps),
    start(): void {
      service.resume();
      timer = setInterval(() => service.expireDue(), EXPIRY_CHECK_MS);
      timer.unref();
    },
    stop(): void {
      clearInterval(timer);
    },
  };
}

/**
 * SIGHUP: read the file again; a valid policy replaces the old one for every next check (what is
 * running or waiting for approval goes on), an invalid one is reported and the old one kept.
 */
export function reloadPolicy(
  filePath: string | undefined,
  access: AccessService,
  audit: AuditTrail,
  log: Logger,
): { ok: boolean; message: string } {
  if (!filePath) return { ok: false, message: 'No JOBBOT_CONFIG file to reload.' };
  const result = readPolicy(filePath);
  if (!result.ok) {
    log.error(
      { file: filePath, problem: result.message },
      'policy reload refused; the previous policy stays',
    );
    return { ok: false, message: result.message };
  }
  const before = Object.keys(access.policy.clusters ?? {})
    .sort()
    .join(',');
  const after = Object.keys(result.policy.clusters ?? {})
    .sort()
    .join(',');
  access.replace(result.policy);
  for (const warning of policyWarnings(result.policy)) log.warn(warning);
  audit.record(SYSTEM, 'policy.reloaded', 'settings:policy', { file: filePath });
  if (before !== after)
    log.warn('the policy names other clusters now: adding or removing clusters takes a restart');
  log.info({ file: filePath }, 'policy reloaded');
  return { ok: true, message: 'Policy reloaded.' };
}
