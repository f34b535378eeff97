/**
 * slack-manifest.yml against the code: every slash command, shortcut and event the source registers
 * is declared (and nothing else), and the bot scopes are exactly those of the Web API methods Jobbot
 * calls, found both by reading src/ and by recording what the Slack emulator saw during a run.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { PI_YAML } from '../support/fixtures.js';
import { type Harness, startHarness } from '../support/harness.js';
import { defineJob, readDispatch } from '../support/seed.js';
import { waitFor } from '../support/wait.js';
import { ROOT } from './kustomize.js';
import { calledMethods, registrations, subcommandNames } from './slack-usage.js';

/**
 * The bot scopes Jobbot needs for each Web API method, from Slack's method reference
 * (https://docs.slack.dev/reference/methods/METHOD, "Scopes", bot token). Where a method accepts
 * several scopes, one per kind of conversation, the list holds those of the conversations Jobbot uses.
 */
const METHOD_SCOPES: Record<string, string[]> = {
  'auth.test': [], // no scope required
  'views.open': [], // no scope required
  'views.update': [],
  'views.push': [],
  'views.publish': [],
  'chat.postMessage': [
    'chat:write',
    // docs.slack.dev/reference/scopes/chat.write.public: post in public channels the app is not in.
    'chat:write.public',
  ],
  'chat.update': ['chat:write'],
  'chat.postEphemeral': ['chat:write'],
  'chat.delete': ['chat:write'],
  // channels:history, groups:history, im:history, mpim:history: one per conversation type. Jobbot
  // posts only in channels and in its own direct messages (a group DM refuses it, and the message
  // then goes to a direct message), so it reads no group DM history.
  'conversations.history': ['channels:history', 'groups:history', 'im:history'],
  'conversations.replies': ['channels:history', 'groups:history', 'im:history'],
  // channels:manage, groups:write, im:write, mpim:write: Jobbot opens 1:1 direct messages only.
  'conversations.open': ['im:write'],
  'files.info': ['files:read'],
  'files.getUploadURLExternal': ['files:write'],
  'files.completeUploadExternal': ['files:write'],
  'users.info': ['users:read'],
  'users.lookupByEmail': ['users:read.email'],
  'usergroups.list': ['usergroups:read'],
  'usergroups.users.list': ['usergroups:read'],
  // Socket Mode, with the app-level token (its scope connections:write is not a bot scope).
  'apps.connections.open': [],
};

/** Scopes of the events Jobbot subscribes to (https://docs.slack.dev/reference/events/EVENT). */
const EVENT_SCOPES: Record<string, string[]> = {
  app_home_opened: [], // no scope required
};

interface Manifest {
  features: {
    app_home: Record<string, boolean>;
    slash_commands: { command: string; usage_hint?: string; should_escape?: boolean; url?: string }[];
    shortcuts?: { callback_id: string; type: string; name: string; description: string }[];
  };
  oauth_config: { scopes: { bot: string[] } };
  settings: {
    socket_mode_enabled: boolean;
    interactivity: { is_enabled: boolean };
    event_subscriptions: { bot_events: string[] };
  };
}

const manifest = yaml.load(readFileSync(path.join(ROOT, 'slack-manifest.yml'), 'utf8')) as Manifest;
const declared = manifest.oauth_config.scopes.bot;

/** The slash command's name when JOBBOT_COMMAND is not set. */
function defaultCommand(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'jobbot-cmd-'));
  try {
    return loadConfig({ env: { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1' }, cwd: dir, home: dir })
      .command;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const command = defaultCommand();
const registered = registrations(command);
const ids = (kind: string) => [...new Set(registered.filter((r) => r.kind === kind).map((r) => r.id))].sort();
const staticMethods = calledMethods();

describe('slack-manifest.yml', () => {
  it('runs in Socket Mode, with interactivity and the Home tab', () => {
    expect(manifest.settings.socket_mode_enabled).toBe(true);
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    expect(manifest.features.app_home.home_tab_enabled).toBe(true);
    // Logs and fall-back messages arrive as direct messages: readable, but nobody writes to Jobbot.
    expect(manifest.features.app_home).toMatchObject({
      messages_tab_enabled: true,
      messages_tab_read_only_enabled: true,
    });
  });

  it('declares exactly the slash commands the code registers, with a usage hint of real subcommands', () => {
    expect(ids('command')).toEqual([command]);
    expect(manifest.features.slash_commands.map((c) => c.command).sort()).toEqual(ids('command'));
    const [slash] = manifest.features.slash_commands;
    // Mentions arrive as ids (<@U123|alice>), which the argument parser expects.
    expect(slash!.should_escape).toBe(true);
    const hinted = slash!.usage_hint!.split('|').map((alt) => alt.trim().split(/\s+/)[0]);
    expect(hinted).toContain('help');
    const real = subcommandNames();
    for (const word of hinted) expect(real).toContain(word);
  });

  it('declares exactly the shortcuts the code registers, as message shortcuts where typed so', () => {
    const shortcuts = manifest.features.shortcuts ?? [];
    expect(shortcuts.map((s) => s.callback_id).sort()).toEqual(ids('shortcut'));
    for (const r of registered.filter((x) => x.kind === 'shortcut')) {
      const type = shortcuts.find((s) => s.callback_id === r.id)?.type;
      if (r.typeArg?.includes('MessageShortcut')) expect(type, r.where).toBe('message');
      if (r.typeArg?.includes('GlobalShortcut')) expect(type, r.where).toBe('global');
    }
  });

  it('subscribes to exactly the events the code registers', () => {
    expect(ids('event')).toContain('app_home_opened');
    expect([...manifest.settings.event_subscriptions.bot_events].sort()).toEqual(ids('event'));
    const others = registered.filter((r) => !['command', 'shortcut', 'event'].includes(r.kind));
    expect(
      others.map((r) => `${r.where}: app.${r.kind}`),
      'teach this test its manifest entries',
    ).toEqual([]);
  });
});

describe('the bot scopes', () => {
  let h: Harness;
  let recorded: Set<string>;

  beforeAll(async () => {
    h = await startHarness();
    // A run that reaches Slack in the common ways: help, App Home, a dispatch with its thread and log
    // file, and the full log in a direct message.
    await h.driver.slashCommand({ command, text: 'help' });
    await h.driver.appHomeOpened();
    await h.slack.waitForCall('views.publish');
    defineJob(
      h.env.JOBBOT_DB!,
      PI_YAML,
      { cluster: 'alpha', namespace: 'jobs' },
      { kind: 'slack', id: h.slack.defaultUser, name: 'tester' },
    );
    const res = await h.driver.slashCommand({ command, text: 'run pi --yes' });
    const n = Number(/#(\d+)/.exec((await res.answer()).text)?.[1]);
    await waitFor(() => readDispatch(h.env.JOBBOT_DB!, n)?.state === 'succeeded', 30_000, 'the dispatch');
    await waitFor(() => h.slack.files().length > 0, 10_000, 'the log file in the thread');
    const files = h.slack.files().length;
    await h.driver.slashCommand({ command, text: `logs ${n}` });
    await waitFor(() => h.slack.files().length > files, 10_000, 'the log file in a direct message');
    recorded = new Set(h.slack.calls.map((c) => c.method));
  }, 60_000);

  afterAll(async () => {
    await h?.stop();
  });

  const used = () => new Set([...staticMethods.keys(), ...recorded]);

  it('are known for every Web API method the code calls or was seen calling', () => {
    expect(staticMethods.size).toBeGreaterThan(5);
    for (const method of ['chat.postMessage', 'views.publish', 'files.completeUploadExternal'])
      expect(recorded).toContain(method);
    const unknown = [...used()].filter((m) => !(m in METHOD_SCOPES));
    expect(
      unknown,
      'look up their bot scopes at docs.slack.dev/reference/methods and add them above',
    ).toEqual([]);
  });

  it('include every scope a called method needs', () => {
    const missing = [...used()].flatMap((m) =>
      (METHOD_SCOPES[m] ?? []).filter((s) => !declared.includes(s)).map((s) => `${s} (for ${m})`),
    );
    const events = manifest.settings.event_subscriptions.bot_events.flatMap(
      (e) => EVENT_SCOPES[e] ?? [`? (for ${e})`],
    );
    expect([...missing, ...events.filter((s) => !declared.includes(s))]).toEqual([]);
    // Slash commands and shortcuts need `commands`.
    expect(declared).toContain('commands');
  });

  it('declare each scope once', () => {
    expect(new Set(declared).size).toBe(declared.length);
  });

  // One case per scope, so a scope that a feature in progress will use fails alone.
  it.each(declared.filter((s) => s !== 'commands'))('%s is needed by a method Jobbot calls', (scope) => {
    const users = [...used()].filter((m) => METHOD_SCOPES[m]?.includes(scope));
    const where = users.flatMap((m) => staticMethods.get(m) ?? ['(seen at run time)']);
    expect(where.length, `${scope}: no called method needs it`).toBeGreaterThan(0);
  });
});
