/**
 * Which slash commands open a form (and so start ahead of queued commands, before their trigger_id
 * expires): read from the subcommands Jobbot really registers.
 */
import { describe, expect, it } from 'vitest';
import { opensForm } from '../../src/slack/listeners/slash-command.js';
import { definitionSubcommands } from '../../src/slack/subcommands/definitions.js';
import { dispatchSubcommands } from '../../src/slack/subcommands/dispatches.js';
import { historySubcommands } from '../../src/slack/subcommands/history.js';
import { pipelineSubcommand } from '../../src/slack/subcommands/pipeline.js';

// opensForm reads only the words: the services behind the subcommands are never called.
const none = {} as never;
const subcommands = [
  ...definitionSubcommands(none, none),
  ...dispatchSubcommands(none, none, none),
  ...historySubcommands(none, none),
  pipelineSubcommand(none),
];

describe('opensForm', () => {
  it.each([
    ['new', true],
    ['NEW', true],
    ['edit nightly', true],
    ['run nightly', true],
    ['run nightly image=perl:5.36', true],
    ['run nightly --yes', false],
    ['run nightly -Y', false],
    ['pipeline new', true],
    ['pipeline edit deploy', true],
    ['pipeline list', false],
    ['history', false],
    ['show nightly', false],
    ['', false],
    ['frobnicate', false],
    ['run "unterminated', false],
  ])('%j → %s', (text, expected) => {
    expect(opensForm(subcommands, 'help', text)).toBe(expected);
  });
});
