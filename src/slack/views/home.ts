/**
 * The App Home tab: the jobs this user may dispatch, what runs now, their recent dispatches and the
 * team's. Slack refuses a Home view over 100 blocks, so each list has a fixed budget and says how
 * many more there are and where to see them.
 */
import type { types } from '@slack/bolt';
import type { DefinitionRecord } from '../../store/definitions.js';
import type { DispatchRecord } from '../../store/dispatches.js';
import { type Block, context, divider, header } from './blocks.js';
import { ACTION_DISPATCH } from './definitions.js';
import { button, code, dispatchSection, esc, userRef, withButton } from './history.js';

/** One block per item: 3 + (15+3) + (10+3) * 2 + (10+2) = 59 blocks at most, 100 allowed. */
export const HOME_BUDGET = { jobs: 15, running: 10, mine: 10, team: 10 } as const;

export interface HomeInput {
  userId: string;
  jobs: DefinitionRecord[];
  running: DispatchRecord[];
  mine: DispatchRecord[];
  team: DispatchRecord[];
  /** How many dispatches each list has in all (the lists hold only what is shown); their lengths when left out. */
  totals?: { running: number; mine: number; team: number };
  command: string;
  policyNote?: string;
  now?: Date;
}

function jobSection(def: DefinitionRecord): types.SectionBlock {
  const description = def.description ? `\n${esc(def.description, 150)}` : '';
  const text = `*${esc(def.name, 80)}* · ${code(def.cluster, 60)} / ${code(def.namespace, 63)}${description}`;
  return withButton(text, button('Dispatch', ACTION_DISPATCH, def.name, 'primary'));
}

function more(shown: number, total: number, where: string): Block[] {
  return total > shown ? [context(`and ${total - shown} more — use ${where}`)] : [];
}

function dispatchList(
  title: string,
  items: DispatchRecord[],
  total: number | undefined,
  max: number,
  empty: string,
  where: string,
  now: Date,
): Block[] {
  const shown = items.slice(0, max);
  if (shown.length === 0) return [header(title), context(empty)];
  return [
    header(title),
    ...shown.map((d) => dispatchSection(d, now)),
    ...more(shown.length, total ?? items.length, where),
  ];
}

export function homeView(input: HomeInput): types.HomeView {
  const { command } = input;
  const now = input.now ?? new Date();
  const history = `\`${command} history\``;
  const jobs = input.jobs.slice(0, HOME_BUDGET.jobs);
  const blocks: Block[] = [
    header('Jobbot'),
    context(
      `Hello ${userRef(input.userId)}. Dispatch a job below or with \`${command} run NAME\`; \`${command} help\` lists every command.`,
    ),
  ];
  if (input.policyNote) blocks.push(context(esc(input.policyNote, 2000)));
  blocks.push(header('Jobs you can dispatch'));
  if (jobs.length === 0)
    blocks.push(context(`No jobs you may dispatch yet. \`${command} new\` creates one.`));
  blocks.push(
    ...jobs.map(jobSection),
    ...more(jobs.length, input.jobs.length, `\`${command} list\``),
    divider(),
  );
  blocks.push(
    ...dispatchList(
      'Running now',
      input.running,
      input.totals?.running,
      HOME_BUDGET.running,
      'Nothing is running.',
      history,
      now,
    ),
    divider(),
    ...dispatchList(
      'Your recent dispatches',
      input.mine,
      input.totals?.mine,
      HOME_BUDGET.mine,
      'You have not dispatched anything yet.',
      history,
      now,
    ),
    divider(),
    ...dispatchList(
      'Latest across the team',
      input.team,
      input.totals?.team,
      HOME_BUDGET.team,
      'No dispatches yet.',
      history,
      now,
    ),
  );
  return { type: 'home', blocks };
}
