/** Messages about definitions: show, list (paged), revisions, delete confirmation, saved notice. */
import type { types } from '@slack/bolt';
import type { Container, FieldError, JobTemplate } from '../../domain/definition/index.js';
import type { DefinitionRecord, RevisionRecord } from '../../store/definitions.js';
import { type Block, clip, context, escapeMrkdwn, header, type MessageBody, section } from './blocks.js';
import { actorText } from './history.js';

/** Previous and Next share a prefix; action ids must differ within their block. */
export const ACTION_LIST_PAGE = /^definition_list_page_(prev|next)$/;
export const ACTION_SHOW = 'definition_show';
export const ACTION_EDIT = 'definition_edit';
export const ACTION_DISPATCH = 'definition_dispatch';
export const ACTION_DELETE_CONFIRM = 'definition_delete_confirm';
export const ACTION_DELETE_CANCEL = 'definition_delete_cancel';
/** Two blocks a job (text, buttons) keeps a page well inside Slack's 50 blocks. */
export const LIST_PAGE_SIZE = 15;
const MAX_REVISIONS_SHOWN = 15;
const YAML_ROOM = 2800;

function button(text: string, actionId: string, value: string, style?: 'primary' | 'danger'): types.Button {
  return {
    type: 'button',
    text: { type: 'plain_text', text: clip(text, 75) },
    action_id: actionId,
    value: clip(value, 2000),
    ...(style ? { style } : {}),
  };
}

function code(text: string): string {
  return `\`${escapeMrkdwn(text).replace(/`/g, "'")}\``;
}

function when(iso: string): string {
  const seconds = Math.floor(Date.parse(iso) / 1000);
  return Number.isFinite(seconds) ? `<!date^${seconds}^{date_short_pretty} {time}|${iso}>` : iso;
}

function containerLine(c: Container): string {
  const words = [...(c.command ?? []), ...(c.args ?? [])].join(' ');
  const run = words ? ` runs ${code(clip(words, 200))}` : '';
  const extras = [
    c.env?.length ? `${c.env.length} env` : '',
    c.ports?.length ? `${c.ports.length} port${c.ports.length > 1 ? 's' : ''}` : '',
    c.volumeMounts?.length ? `${c.volumeMounts.length} mount${c.volumeMounts.length > 1 ? 's' : ''}` : '',
  ].filter(Boolean);
  return `• ${code(c.name)}: ${code(c.image ?? '(no image)')}${run}${extras.length ? ` (${extras.join(', ')})` : ''}`;
}

/** What the person looking may do, so only the buttons they can use are shown. */
export interface Offers {
  dispatch(def: Pick<DefinitionRecord, 'name' | 'cluster' | 'namespace'>): boolean;
  manage: boolean;
  /** Hides secret-looking values in what is shown (the policy's masks). */
  mask: <T>(value: T) => T;
}

export const EVERYTHING: Offers = { dispatch: () => true, manage: true, mask: (v) => v };

export function definitionShowMessage(
  def: DefinitionRecord,
  yaml: string,
  command: string,
  offers: Offers = EVERYTHING,
): MessageBody {
  const actions = [
    ...(offers.dispatch(def) ? [button('Dispatch', ACTION_DISPATCH, def.name, 'primary')] : []),
    ...(offers.manage ? [button('Edit', ACTION_EDIT, def.name)] : []),
  ];
  const t = def.template as unknown as JobTemplate;
  const pod = t.spec.template.spec;
  const settings = [
    `Restart policy: ${pod.restartPolicy ?? 'not set'}`,
    `Completions: ${t.spec.completions ?? 1}`,
    `Parallelism: ${t.spec.parallelism ?? 1}`,
    `Active deadline: ${t.spec.activeDeadlineSeconds ? `${t.spec.activeDeadlineSeconds}s` : 'none'}`,
    `Backoff limit: ${t.spec.backoffLimit ?? 6}`,
  ].join(' · ');
  const volumes = (pod.volumes ?? []).map((v) => code(v.name)).join(', ');
  const shownYaml =
    yaml.length > YAML_ROOM
      ? `${yaml.slice(0, YAML_ROOM)}\n… (${yaml.length - YAML_ROOM} more characters)`
      : yaml;
  const blocks: Block[] = [
    header(`Job ${def.name}`),
    section(
      [
        def.description ? escapeMrkdwn(def.description) : '_No description._',
        `*Cluster* ${code(def.cluster)} · *Namespace* ${code(def.namespace)}`,
        `*Revision* ${def.revision}, saved by <@${def.updatedBy.id}> ${when(def.updatedAt)} (created by <@${def.createdBy.id}>)`,
      ].join('\n'),
    ),
    section(`*Containers*\n${pod.containers.map(containerLine).join('\n')}`),
    section(`*Configuration*\n${settings}${volumes ? `\n*Volumes* ${volumes}` : ''}`),
    section(`*Job YAML*\n\`\`\`${shownYaml.replace(/```/g, "'''")}\`\`\``),
    ...(actions.length > 0
      ? [{ type: 'actions' as const, block_id: 'definition_actions', elements: actions }]
      : []),
    context(`${command} show ${def.name} --revisions lists every change.`),
  ];
  return { text: `Job ${def.name} on ${def.cluster}/${def.namespace}, revision ${def.revision}`, blocks };
}

export function definitionListMessage(
  page: { items: DefinitionRecord[]; total: number; offset: number },
  command: string,
  offers: Offers = EVERYTHING,
): MessageBody {
  if (page.total === 0) {
    const text = `No jobs yet. Create one with \`${command} new\`.`;
    return { text, blocks: [section(text)] };
  }
  const last = Math.min(page.offset + page.items.length, page.total);
  const blocks: Block[] = [header(`Jobs (${page.total})`)];
  for (const d of page.items) {
    const description = d.description ? `\n${escapeMrkdwn(clip(d.description, 300))}` : '';
    blocks.push(
      section(`*${escapeMrkdwn(d.name)}* · ${code(d.cluster)} / ${code(d.namespace)}${description}`),
      {
        type: 'actions',
        block_id: clip(`definition_${d.name}`, 255),
        elements: [
          ...(offers.dispatch(d) ? [button('Dispatch', ACTION_DISPATCH, d.name, 'primary')] : []),
          button('Show', ACTION_SHOW, d.name),
        ],
      },
    );
  }
  const nav: types.Button[] = [];
  if (page.offset > 0)
    nav.push(
      button('Previous', 'definition_list_page_prev', String(Math.max(0, page.offset - LIST_PAGE_SIZE))),
    );
  if (last < page.total) nav.push(button('Next', 'definition_list_page_next', String(last)));
  blocks.push(context(`Showing ${page.offset + 1}–${last} of ${page.total}.`));
  if (nav.length > 0) blocks.push({ type: 'actions', block_id: 'definition_list_nav', elements: nav });
  const text = `Jobs ${page.offset + 1}–${last} of ${page.total}: ${page.items.map((d) => d.name).join(', ')}`;
  return { text, blocks };
}

export function revisionsMessage(def: DefinitionRecord, revisions: RevisionRecord[]): MessageBody {
  const blocks: Block[] = [header(`Revisions of ${def.name}`)];
  for (const r of revisions.slice(0, MAX_REVISIONS_SHOWN)) {
    const changes = r.changes.map((c) => `• ${escapeMrkdwn(c)}`).join('\n');
    blocks.push(
      section(
        `*Revision ${r.revision}* by ${actorText(r.changedBy)} (${escapeMrkdwn(r.changedBy.name)}) ${when(r.changedAt)}\n${changes}`,
      ),
    );
  }
  if (revisions.length > MAX_REVISIONS_SHOWN)
    blocks.push(context(`${revisions.length - MAX_REVISIONS_SHOWN} older revisions not shown.`));
  return { text: `${revisions.length} revisions of ${def.name}`, blocks };
}

export function deleteConfirmMessage(def: DefinitionRecord): MessageBody {
  const text = `Delete job ${def.name} (${def.cluster}/${def.namespace})? It disappears from lists; its history, dispatches and audit entries stay.`;
  return {
    text,
    blocks: [
      section(`:wastebasket: ${escapeMrkdwn(text)}`),
      {
        type: 'actions',
        block_id: 'definition_delete',
        elements: [
          button('Delete', ACTION_DELETE_CONFIRM, JSON.stringify({ name: def.name, id: def.id }), 'danger'),
          button('Keep it', ACTION_DELETE_CANCEL, def.name),
        ],
      },
    ],
  };
}

/** The problems of a YAML that cannot become a definition, one per line with its line number. */
export function yamlProblemsMessage(errors: readonly FieldError[]): MessageBody {
  const lines = errors.map(
    (e) => `• ${e.line !== undefined ? `Line ${e.line}: ` : ''}${escapeMrkdwn(e.message)}`,
  );
  const text = `That YAML cannot be saved as a job yet:\n${lines.join('\n')}`;
  return { text, blocks: [section(`:warning: ${text}`)] };
}

export function notice(text: string): MessageBody {
  return { text, blocks: [section(text)] };
}

export function savedMessage(def: DefinitionRecord, created: boolean, command: string): MessageBody {
  const verb = created ? 'Created' : `Saved revision ${def.revision} of`;
  const text = `${verb} job *${escapeMrkdwn(def.name)}* on ${code(def.cluster)} / ${code(def.namespace)}. See it with \`${command} show ${def.name}\`.`;
  return { text, blocks: [section(`:white_check_mark: ${text}`)] };
}
