/**
 * Who caused something: a Slack user (id and the display name at that moment, so history reads
 * right even after a rename) or, for pipelines, an API token (its label and owner, and the Slack user a
 * pipeline says it acts for — a claim the token's owner vouches for, not a login).
 */
export type Actor =
  | { kind: 'slack'; id: string; name: string }
  | { kind: 'token'; id: string; name: string; ownerId?: string; onBehalfOf?: string }
  | { kind: 'system'; id: string; name: string };

/** Jobbot itself, for what it does on its own (a dispatch finishing, logs expiring). */
export const SYSTEM: Actor = { kind: 'system', id: 'jobbot', name: 'Jobbot' };

/** What services record in the audit log; the audit service implements it. */
export interface AuditTrail {
  record(actor: Actor, action: string, target: string, details?: unknown): void;
}

export const NO_AUDIT: AuditTrail = { record: () => {} };

/** The Slack user behind an actor: a token acts for the user it names, else for its creator. */
export function personOf(actor: Actor): string | undefined {
  if (actor.kind === 'slack') return actor.id;
  if (actor.kind === 'token') return actor.onBehalfOf ?? actor.ownerId;
  return undefined;
}

/** Only a plain Slack user id is put in a mention, so a stored value can never inject markup. */
const SLACK_ID = /^[UW][A-Z0-9]{2,}$/;

export function describeActor(actor: Actor): string {
  // A token label is free text: escaped, so it can never become a mention or a link.
  const label = actor.name
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/`/g, "'");
  if (actor.kind === 'system') return 'Jobbot';
  if (actor.kind === 'slack') return `<@${actor.id}>`;
  const owner =
    actor.ownerId && SLACK_ID.test(actor.ownerId) ? ` (token created by <@${actor.ownerId}>)` : '';
  const behalf =
    actor.onBehalfOf && SLACK_ID.test(actor.onBehalfOf) ? ` on behalf of <@${actor.onBehalfOf}>` : '';
  return `pipeline \`${label}\`${owner}${behalf}`;
}
