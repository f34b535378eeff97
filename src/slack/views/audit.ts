/** `/job audit`: the latest audit entries, newest first, each with who, what, on what and when. */

import { describeActor } from '../../domain/actor.js';
import type { AuditEntry } from '../../domain/audit.js';
import { type Block, clip, context, escapeMrkdwn, header, type MessageBody, section } from './blocks.js';

export const AUDIT_PAGE = 20;

function when(iso: string): string {
  const seconds = Math.floor(Date.parse(iso) / 1000);
  return Number.isFinite(seconds) ? `<!date^${seconds}^{date_short_pretty} {time}|${iso}>` : iso;
}

export function auditMessage(entries: readonly AuditEntry[], filter: string, command: string): MessageBody {
  if (entries.length === 0) {
    const text = `No audit entries${filter ? ` for ${filter}` : ''}.`;
    return { text, blocks: [section(escapeMrkdwn(text))] };
  }
  const blocks: Block[] = [header(`Audit log${filter ? `: ${clip(filter, 100)}` : ''}`)];
  for (const e of entries.slice(0, AUDIT_PAGE)) {
    const details = clip(JSON.stringify(e.details), 600);
    blocks.push(
      section(
        `*${escapeMrkdwn(e.action)}* \`${escapeMrkdwn(clip(e.target, 200))}\` by ${describeActor(e.actor)} ${when(e.at)} · #${e.id}\n\`\`\`${escapeMrkdwn(details).replace(/```/g, "'''")}\`\`\``,
      ),
    );
  }
  blocks.push(
    context(
      `Entries are hash-chained. \`jobbot audit verify\` checks the chain; \`jobbot audit export\` writes all of them as JSON Lines. ${escapeMrkdwn(command)} audit shows the latest ${AUDIT_PAGE}.`,
    ),
  );
  return { text: `${entries.length} audit entries${filter ? ` for ${filter}` : ''}`, blocks };
}
