/**
 * People, groups and channels as the policy file names them. Glossary:
 * - user ref: a Slack member ID (`U0123ABCD`, or `W…` on Enterprise Grid) or an e-mail address.
 * - group ref: a user group ID (`S0123ABCD`) or its handle with the @ (`@platform`).
 * - channel ref: a channel ID (`C0123ABCD`, or `G…` for older private channels). Names are refused
 *   because a channel can be renamed, and the policy would then silently stop matching.
 * Each `…RefProblem` returns what is wrong with a ref, phrased to follow "`ref` ", or undefined.
 */
import type { Principals, Subject } from './types.js';

const USER_ID = /^[UW][A-Z0-9]{2,}$/;
const EMAIL = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;
const GROUP_ID = /^S[A-Z0-9]{2,}$/;
const GROUP_HANDLE = /^@[a-z0-9][a-z0-9._-]*$/i;
const CHANNEL_ID = /^[CG][A-Z0-9]{2,}$/;

// What people paste from Slack messages: <@U123|alice>, <!subteam^S123|@sre>, <#C123|ops>.
const USER_MENTION = /^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$/;
const GROUP_MENTION = /^<!subteam\^(S[A-Z0-9]+)(?:\|[^>]*)?>$/;
const CHANNEL_MENTION = /^<#([CG][A-Z0-9]+)(?:\|[^>]*)?>$/;

export function isUserRef(ref: string): boolean {
  return USER_ID.test(ref) || EMAIL.test(ref);
}

export function userRefProblem(ref: string): string | undefined {
  if (isUserRef(ref)) return undefined;
  const mention = USER_MENTION.exec(ref);
  if (mention) return `is a Slack mention; write the member ID alone: ${mention[1]}.`;
  if (GROUP_ID.test(ref) || GROUP_HANDLE.test(ref)) {
    return (
      'looks like a user group; put it under `groups`. A person is written as their member ID ' +
      '(U0123…, in their profile under ⋮ > Copy member ID) or e-mail address.'
    );
  }
  return "must be a member ID (U0123…, in the person's profile under ⋮ > Copy member ID) or an e-mail address.";
}

export function groupRefProblem(ref: string): string | undefined {
  if (GROUP_ID.test(ref) || GROUP_HANDLE.test(ref)) return undefined;
  const mention = GROUP_MENTION.exec(ref);
  if (mention) return `is a Slack mention; write the user group ID alone: ${mention[1]}.`;
  if (isUserRef(ref) || USER_MENTION.test(ref)) return 'looks like a person; put it under `users`.';
  if (/^[a-z0-9][a-z0-9._-]*$/i.test(ref)) {
    return `must be a user group ID (S0123…) or handle with its @: @${ref}.`;
  }
  return 'must be a user group ID (S0123…) or handle with its @ (@platform).';
}

export function channelRefProblem(ref: string): string | undefined {
  if (CHANNEL_ID.test(ref)) return undefined;
  const mention = CHANNEL_MENTION.exec(ref);
  if (mention) return `is a Slack mention; write the channel ID alone: ${mention[1]}.`;
  if (/^D[A-Z0-9]{2,}$/.test(ref)) return 'is a direct message; the policy names channels (C0123…).';
  return (
    "is a channel name; use the channel ID (C0123…), shown at the bottom of the channel's details, " +
    'so the rule survives a rename.'
  );
}

/** Whether the subject is one of the users or in one of the groups. E-mail addresses match any case. */
export function matchesPrincipals(principals: Principals, subject: Subject): boolean {
  const email = subject.email?.toLowerCase();
  for (const user of principals.users) {
    if (user === subject.user) return true;
    if (email !== undefined && user.includes('@') && user.toLowerCase() === email) return true;
  }
  return principals.groups.some((group) => subject.groups.has(group));
}

export function isEmpty(principals: Principals): boolean {
  return principals.users.length === 0 && principals.groups.length === 0;
}

/**
 * A ref as Slack shows it in a message: IDs become mentions (`<@U…>`, `<!subteam^S…>`, `<#C…>`, as
 * elsewhere in Jobbot's texts), handles and e-mail addresses stay as written.
 */
export function mention(ref: string): string {
  if (USER_ID.test(ref)) return `<@${ref}>`;
  if (GROUP_ID.test(ref)) return `<!subteam^${ref}>`;
  if (CHANNEL_ID.test(ref)) return `<#${ref}>`;
  return ref;
}

/** `<@U0ALICE>, bob@example.com, @sre`: at most `max` and then how many more, for messages. */
export function listNames(refs: readonly string[], max = 5): string {
  const shown = refs.slice(0, max).map(mention).join(', ');
  return refs.length <= max ? shown : `${shown} and ${refs.length - max} more`;
}

export function principalNames(principals: Principals): string {
  return listNames([...principals.users, ...principals.groups]);
}
