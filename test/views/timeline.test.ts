/**
 * Timeline replies that take in later events while they wait for Slack, and the verdict that takes
 * in a waiting timeline reply: within Slack's limits, capped, and in the order things happened.
 */
import { describe, expect, it } from 'vitest';
import {
  joinTimelineReply,
  joinVerdictReply,
  TIMELINE_EVENTS_PER_REPLY,
  timelineReply,
  verdictReply,
} from '../../src/slack/views/dispatch.js';
import { validateMessageBlocks } from '../support/slack/index.js';

describe('timeline replies', () => {
  it('join later events up to the cap, each escaped, within Slack limits', () => {
    let reply: Record<string, unknown> = { ...timelineReply(['Pods created: pi-abc']) };
    for (let i = 1; i < TIMELINE_EVENTS_PER_REPLY; i++) {
      const joined = joinTimelineReply(reply, `Event ${i} <@U0EVIL> ${'x'.repeat(400)}`);
      expect(joined).toBeDefined();
      reply = { ...joined };
    }
    expect(joinTimelineReply(reply, 'one too many')).toBeUndefined();
    const body = reply as unknown as ReturnType<typeof timelineReply>;
    expect(body.events).toHaveLength(TIMELINE_EVENTS_PER_REPLY);
    expect(body.text.split('\n')[0]).toBe('Pods created: pi-abc');
    expect(JSON.stringify(body.blocks)).not.toContain('<@U0EVIL>');
    expect(validateMessageBlocks(body.blocks)).toEqual([]);
  });

  it('are not joined into a reply that is not a timeline reply', () => {
    expect(joinTimelineReply({ ...verdictReply('Succeeded in 3 s', []) }, 'Running')).toBeUndefined();
  });

  it('are taken into the verdict, events first, the verdict still its notification text', () => {
    const verdict = verdictReply('Succeeded in 3 s. <@U0ALICE001>', [
      { pod: 'pi-abc', container: 'pi', text: '3.14159\n', truncated: false, error: null },
    ]);
    const joined = joinVerdictReply({ ...timelineReply(['Pods created', 'Running']) }, verdict)!;
    expect(joined.text).toBe(verdict.text);
    expect(joined.blocks).toHaveLength(verdict.blocks.length + 1);
    expect(JSON.stringify(joined.blocks[0])).toContain('Pods created\\nRunning');
    expect(joined.blocks.slice(1)).toEqual(verdict.blocks);
    expect(validateMessageBlocks(joined.blocks)).toEqual([]);
    expect(joinVerdictReply({ ...verdict }, verdict)).toBeUndefined();
  });
});
