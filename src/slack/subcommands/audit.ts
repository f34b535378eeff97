/** `/job audit [@user | NAME | #N] [since]`: the latest audit entries, filtered. */
import type { AuditEntry } from '../../domain/audit.js';
import { JobbotError } from '../../domain/errors.js';
import type { Subcommand } from '../commands.js';
import { AUDIT_PAGE, auditMessage } from '../views/audit.js';

export interface AuditReader {
  query(q: { actorId?: string; target?: string; since?: string; limit: number }): AuditEntry[];
}

/** `7d`, `24h`, `30m` or an ISO date, as the earliest time to show. */
export function parseSince(word: string, now: Date): string | undefined {
  const rel = /^(\d+)([dhm])$/.exec(word);
  if (rel) {
    const ms = Number(rel[1]) * { d: 86_400_000, h: 3_600_000, m: 60_000 }[rel[2] as 'd' | 'h' | 'm'];
    return new Date(now.getTime() - ms).toISOString();
  }
  if (/^\d{4}-\d{2}-\d{2}/.test(word) && Number.isFinite(Date.parse(word)))
    return new Date(word).toISOString();
  return undefined;
}

export function auditSubcommand(reader: AuditReader, now: () => Date = () => new Date()): Subcommand {
  return {
    name: 'audit',
    requires: { kind: 'audit.read' },
    usage: 'audit [@user | NAME | #N] [since]',
    summary: 'Who did what: the latest audit entries, e.g. `audit @alice 7d` or `audit pi`.',
    handle: async (ctx) => {
      const q: { actorId?: string; target?: string; since?: string; limit: number } = { limit: AUDIT_PAGE };
      const described: string[] = [];
      for (const word of ctx.args) {
        const mention = /^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$/.exec(word);
        const since = parseSince(word, now());
        if (mention) {
          q.actorId = mention[1]!;
          described.push(`<@${q.actorId}>`);
        } else if (since) {
          q.since = since;
          described.push(`since ${since.slice(0, 16).replace('T', ' ')}`);
        } else if (/^#\d+$/.test(word)) {
          q.target = `dispatch:${word.slice(1)}`;
          described.push(word);
        } else if (!q.target && !word.startsWith('@')) {
          q.target = `definition:${word}`;
          described.push(word);
        } else {
          throw new JobbotError(
            'usage',
            `\`${ctx.command} audit\` takes an @mention, a job name or #N, and a time such as 7d or 2026-01-31; "${word}" is not one of those.`,
          );
        }
      }
      await ctx.ack(auditMessage(reader.query(q), described.join(' '), ctx.command));
    },
  };
}
