import { describe, expect, it } from 'vitest';
import { ACTION_DISPATCH } from '../../src/slack/views/definitions.js';
import { ACTION_DISPATCH_DETAILS } from '../../src/slack/views/history.js';
import { HOME_BUDGET, homeView } from '../../src/slack/views/home.js';
import { validateView } from '../support/slack/index.js';
import {
  allText,
  buttons,
  definition,
  dispatch,
  expectEscaped,
  HOSTILE,
  hostileDispatch,
  long,
  NOW,
} from './fixtures.js';

const base = { userId: 'U0ALICE001', command: '/job', now: NOW };

describe('homeView', () => {
  it('lists the jobs with Dispatch and each dispatch list with Details', () => {
    const view = homeView({
      ...base,
      jobs: [definition(1), definition(2)],
      running: [dispatch(5, { state: 'running', verdict: null, finishedAt: null })],
      mine: [dispatch(4)],
      team: [dispatch(4), dispatch(3)],
      policyNote: 'You may dispatch jobs in namespace batch only.',
    });
    expect(validateView(view, 'home')).toEqual([]);
    const text = allText(view.blocks);
    for (const part of [
      'Jobs you can dispatch',
      'Running now',
      'Your recent dispatches',
      'Latest across the team',
    ])
      expect(text).toContain(part);
    expect(text).toContain('*job-1* · `prod` / `batch`');
    expect(text).toContain('running for 59m59s');
    expect(text).toContain('You may dispatch jobs in namespace batch only.');
    expect(text).not.toContain('more — use');
    const all = buttons(view.blocks);
    expect(all.filter((b) => b.action_id === ACTION_DISPATCH).map((b) => b.value)).toEqual([
      'job-1',
      'job-2',
    ]);
    expect(all.filter((b) => b.action_id === ACTION_DISPATCH_DETAILS).map((b) => b.value)).toEqual([
      '5',
      '4',
      '4',
      '3',
    ]);
  });

  it('says when each list is empty', () => {
    const view = homeView({ ...base, jobs: [], running: [], mine: [], team: [] });
    expect(validateView(view, 'home')).toEqual([]);
    const text = allText(view.blocks);
    expect(text).toContain('`/job new` creates one');
    expect(text).toContain('Nothing is running.');
    expect(text).toContain('You have not dispatched anything yet.');
  });

  it('stays inside 100 blocks and Slack limits with 1,000 hostile jobs and 1,000 dispatches per list', () => {
    const emoji = long(2000, '🔥');
    const jobs = Array.from({ length: 1000 }, (_, i) =>
      definition(i, {
        name: `${HOSTILE}${i}${emoji}`,
        cluster: `${HOSTILE}${emoji}`,
        namespace: `${HOSTILE}${emoji}`,
        description: `${HOSTILE}${emoji}`,
      }),
    );
    const many = () =>
      Array.from({ length: 1000 }, (_, i) =>
        hostileDispatch(i, { definitionName: `${HOSTILE}${emoji}`, verdict: `${emoji}${long(3000)}` }),
      );
    const view = homeView({
      ...base,
      jobs,
      running: many(),
      mine: many(),
      team: many(),
      policyNote: `${HOSTILE}${long(5000)}`,
    });
    expect(validateView(view, 'home')).toEqual([]);
    expect(view.blocks.length).toBeLessThanOrEqual(100);
    expectEscaped(view);
    const text = allText(view.blocks);
    expect(text).toContain(`and ${1000 - HOME_BUDGET.jobs} more — use \`/job list\``);
    expect(text).toContain(`and ${1000 - HOME_BUDGET.running} more — use \`/job history\``);
    expect(buttons(view.blocks)).toHaveLength(
      HOME_BUDGET.jobs + HOME_BUDGET.running + HOME_BUDGET.mine + HOME_BUDGET.team,
    );
  });

  it('says how many more there are from the totals when given only the rows it shows', () => {
    const shown = (n: number) => Array.from({ length: n }, (_, i) => dispatch(i + 1));
    const view = homeView({
      ...base,
      jobs: [],
      running: shown(HOME_BUDGET.running),
      mine: shown(3),
      team: shown(HOME_BUDGET.team),
      totals: { running: 42, mine: 3, team: 100_000 },
    });
    const text = allText(view.blocks);
    expect(text).toContain(`and ${42 - HOME_BUDGET.running} more — use \`/job history\``);
    expect(text).toContain(`and ${100_000 - HOME_BUDGET.team} more`);
    expect(text.match(/more — use `\/job history`/g)).toHaveLength(2);
  });
});
