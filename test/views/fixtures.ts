/** Records and checks shared by the view tests: ordinary, and hostile enough to break a careless view. */
import { expect } from 'vitest';
import type { MessageBody } from '../../src/slack/views/blocks.js';
import type { DefinitionRecord } from '../../src/store/definitions.js';
import type { DispatchRecord } from '../../src/store/dispatches.js';

export const NOW = new Date('2026-03-01T12:00:00.000Z');
/** Every mrkdwn control character, a broadcast mention and a code fence. */
export const HOSTILE = '<!channel> & <@U0EVIL|boss> ```x``` `y` *z* ';
export const long = (n: number, unit = 'x') => unit.repeat(n);
const slackActor = { kind: 'slack' as const, id: 'U0ALICE001', name: 'alice' };

export function dispatch(n: number, extra: Partial<DispatchRecord> = {}): DispatchRecord {
  return {
    number: n,
    definitionId: 1,
    definitionName: 'nightly-report',
    revision: 3,
    cluster: 'prod',
    namespace: 'batch',
    jobName: `nightly-report-${n}`,
    spec: {
      apiVersion: 'batch/v1',
      kind: 'Job',
      spec: {
        template: {
          spec: {
            containers: [
              {
                name: 'main',
                image: 'perl:5.36',
                command: ['perl', '-e'],
                args: ['print 1'],
                env: [{ name: 'API_TOKEN', value: 'super-secret-value' }],
              },
            ],
          },
        },
      },
    },
    overrides: { changes: ['image (container main): perl:5.34 → perl:5.36'] },
    actor: slackActor,
    sourceChannel: 'C0JOBS0001',
    channel: 'C0JOBS0001',
    state: 'succeeded',
    outcome: null,
    cancelRequested: false,
    observation: null,
    verdict: 'Succeeded in 1m12s — <@U0ALICE001>',
    error: null,
    messageTs: null,
    createdAt: '2026-03-01T11:00:00.000Z',
    startedAt: '2026-03-01T11:00:01.000Z',
    finishedAt: '2026-03-01T11:01:13.000Z',
    updatedAt: '2026-03-01T11:01:13.000Z',
    cancelledBy: null,
    logsPrunedAt: null,
    ...extra,
  };
}

/** A dispatch where every free-text field is as long and as nasty as it can be. */
export function hostileDispatch(n: number, extra: Partial<DispatchRecord> = {}): DispatchRecord {
  return dispatch(n, {
    definitionName: `${HOSTILE}${long(300, '🔥')}`,
    cluster: `${HOSTILE}${long(300)}`,
    namespace: `${HOSTILE}${long(300)}`,
    jobName: `${HOSTILE}${long(300)}`,
    overrides: { changes: Array.from({ length: 200 }, (_, i) => `${HOSTILE}${i}${long(200, '🔥')}`) },
    actor: { kind: 'token', id: 'T1', name: `${HOSTILE}${long(500, '🔥')}`, ownerId: 'U0OWNER001' },
    state: 'failed',
    verdict: `Failed: ${HOSTILE}${long(5000)} — <@U0ALICE001>`,
    error: `${HOSTILE}${long(5000)}`,
    ...extra,
  });
}

export function definition(i: number, extra: Partial<DefinitionRecord> = {}): DefinitionRecord {
  return {
    id: i,
    name: `job-${i}`,
    cluster: 'prod',
    namespace: 'batch',
    description: 'Builds the nightly report.',
    source: 'yaml',
    template: {},
    yaml: null,
    revision: 1,
    createdAt: '2026-01-01T00:00:00.000Z',
    createdBy: slackActor,
    updatedAt: '2026-01-01T00:00:00.000Z',
    updatedBy: slackActor,
    deletedAt: null,
    ...extra,
  };
}

/** Every string Slack reads as mrkdwn (and the fallback text), for checks on escaping. */
export function mrkdwnTexts(blocks: unknown, fallback?: string): string[] {
  const out: string[] = fallback === undefined ? [] : [fallback];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (typeof v === 'object' && v !== null) {
      const o = v as Record<string, unknown>;
      if (o.type === 'mrkdwn' && typeof o.text === 'string') out.push(o.text);
      Object.values(o).forEach(walk);
    }
  };
  walk(blocks);
  return out;
}

/** Only our own mentions, channel links and dates may use Slack's angle-bracket syntax. */
export function expectEscaped(body: MessageBody | { blocks: unknown[] }): void {
  // JSON.stringify writes a lone surrogate (half an emoji, cut by a careless clip) as \udXXX.
  expect(JSON.stringify(body)).not.toMatch(/\\u[dD][89a-fA-F][0-9a-fA-F]{2}/);
  const texts = mrkdwnTexts(body.blocks, 'text' in body ? body.text : undefined);
  for (const text of texts) {
    const rest = text
      .replace(/<@[UW][A-Z0-9]+>/g, '')
      .replace(/<#[CGD][A-Z0-9]+>/g, '')
      .replace(/<!date\^\d+\^[^|<>]+\|[^<>]+>/g, '');
    expect(rest, text.slice(0, 200)).not.toMatch(/[<>]|&(?!amp;|lt;|gt;)/);
    expect(text).not.toContain('<!channel>');
    expect(text).not.toContain('<@U0EVIL');
  }
}

export function buttons(blocks: unknown): { action_id: string; value: string; text: string }[] {
  const out: { action_id: string; value: string; text: string }[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (typeof v === 'object' && v !== null) {
      const o = v as Record<string, unknown>;
      if (o.type === 'button')
        out.push({
          action_id: String(o.action_id),
          value: String(o.value),
          text: String((o.text as { text: string }).text),
        });
      Object.values(o).forEach(walk);
    }
  };
  walk(blocks);
  return out;
}

export function allText(blocks: unknown): string {
  return JSON.stringify(blocks);
}
