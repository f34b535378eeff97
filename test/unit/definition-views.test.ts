import { describe, expect, it } from 'vitest';
import { blankValues, emptyForm } from '../../src/slack/definition-flow.js';
import { definitionModal, MAX_CONTAINERS } from '../../src/slack/views/definition-modal.js';
import {
  definitionListMessage,
  definitionShowMessage,
  deleteConfirmMessage,
  revisionsMessage,
} from '../../src/slack/views/definitions.js';
import type { DefinitionRecord, RevisionRecord } from '../../src/store/definitions.js';
import { validateMessageBlocks, validateView } from '../support/slack/index.js';

const actor = { kind: 'slack' as const, id: 'U1', name: 'alice' };
const long = (n: number) => 'x'.repeat(n);

function record(i: number, extra: Partial<DefinitionRecord> = {}): DefinitionRecord {
  return {
    id: i,
    name: `job-${i}-${long(40)}`,
    cluster: long(200),
    namespace: long(63),
    description: long(500),
    source: 'yaml',
    template: {
      apiVersion: 'batch/v1',
      kind: 'Job',
      spec: {
        template: {
          spec: {
            restartPolicy: 'Never',
            containers: Array.from({ length: 8 }, (_, c) => ({
              name: `c${c}`,
              image: long(300),
              command: [long(1000)],
              env: [{ name: 'A', value: 'b' }],
            })),
          },
        },
      },
    },
    yaml: null,
    revision: 3,
    createdAt: '2026-01-01T00:00:00.000Z',
    createdBy: actor,
    updatedAt: '2026-01-02T00:00:00.000Z',
    updatedBy: actor,
    deletedAt: null,
    ...extra,
  };
}

describe('definition messages stay inside Slack limits', () => {
  it('every page of a long list, with Previous and Next', () => {
    for (const offset of [0, 15, 30, 45]) {
      const items = Array.from({ length: 15 }, (_, i) => record(offset + i));
      const m = definitionListMessage({ items, total: 60, offset }, '/job');
      expect(validateMessageBlocks(m.blocks)).toEqual([]);
    }
  });

  it('a job with the longest fields and a huge YAML', () => {
    const m = definitionShowMessage(record(1), long(200_000), '/job');
    expect(validateMessageBlocks(m.blocks)).toEqual([]);
    expect(JSON.stringify(m.blocks)).toContain('more characters');
  });

  it('many revisions with many changes', () => {
    const revisions: RevisionRecord[] = Array.from({ length: 40 }, (_, i) => ({
      ...record(1),
      definitionId: 1,
      revision: 40 - i,
      changedAt: '2026-01-01T00:00:00.000Z',
      changedBy: actor,
      changes: Array.from({ length: 31 }, () => long(200)),
    }));
    expect(validateMessageBlocks(revisionsMessage(record(1), revisions).blocks)).toEqual([]);
  });

  it('the delete confirmation', () => {
    expect(validateMessageBlocks(deleteConfirmMessage(record(1)).blocks)).toEqual([]);
  });
});

describe('the definition modal', () => {
  it('is valid in YAML mode, in form mode with the most containers, and when editing', () => {
    const clusters = Array.from({ length: 150 }, (_, i) => `cluster-${i}`);
    const namespaces = Array.from({ length: 150 }, (_, i) => `ns-${i}`);
    const yaml = definitionModal({
      meta: { mode: 'yaml', containers: 1, channel: 'C1' },
      values: blankValues(undefined),
      clusters,
      namespaces: [],
    });
    expect(validateView(yaml, 'modal')).toEqual([]);
    const form = {
      ...emptyForm(),
      containers: Array.from({ length: MAX_CONTAINERS }, () => emptyForm().containers[0]!),
    };
    const full = definitionModal({
      meta: {
        mode: 'form',
        containers: MAX_CONTAINERS,
        channel: 'C1',
        editing: { name: long(52), revision: 9 },
      },
      values: {
        ...blankValues('cluster-1'),
        namespace: 'ns-1',
        name: long(52),
        description: long(500),
        form,
      },
      clusters,
      namespaces,
    });
    expect(validateView(full, 'modal')).toEqual([]);
  });
});
