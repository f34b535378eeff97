import { describe, expect, it } from 'vitest';
import { runHistoryMessage } from '../../src/slack/views/pipeline.js';
import type { RunRecord } from '../../src/store/pipelines.js';
import { validateMessageBlocks } from '../support/slack/index.js';

function run(id: number, over: Partial<RunRecord> = {}): RunRecord {
  return {
    id,
    pipelineId: 1,
    pipelineName: 'deploy-prod',
    revision: 1,
    stages: [{ jobs: [{ job: 'a' }] }, { jobs: [{ job: 'b' }] }],
    stage: 0,
    state: 'running',
    actor: { kind: 'slack', id: 'U1', name: 'alice' },
    channel: 'C1',
    messageTs: null,
    verdict: null,
    createdAt: '2026-11-29T10:00:00.000Z',
    finishedAt: null,
    ...over,
  };
}

describe('pipeline run history', () => {
  it('pages with valid blocks, escaping names and clipping long verdicts', () => {
    const items = Array.from({ length: 15 }, (_, i) =>
      run(
        100 - i,
        i % 2 ? { state: 'failed', verdict: `Failed in stage 1: <!channel> ${'x'.repeat(900)}` } : {},
      ),
    );
    const msg = runHistoryMessage({ pipeline: 'deploy', offset: 15, items, total: 40 }, '/job');
    expect(validateMessageBlocks(msg.blocks as never)).toEqual([]);
    const text = JSON.stringify(msg.blocks);
    expect(text).toContain('*deploy-prod* run #86');
    expect(text).toContain('&lt;!channel&gt;');
    expect(text).not.toContain('<!channel>');
    expect(msg.text).toBe('Runs of pipeline deploy: 16-30 of 40');
    const buttons = (msg.blocks.at(-1) as { elements: { value: string }[] }).elements;
    expect(buttons.map((b) => JSON.parse(b.value))).toEqual([
      { pipeline: 'deploy', offset: 0 },
      { pipeline: 'deploy', offset: 30 },
    ]);
  });

  it('says how to start a run when there is none', () => {
    expect(runHistoryMessage({ offset: 0, items: [], total: 0 }, '/job').text).toMatch(/pipeline run NAME/);
  });
});
