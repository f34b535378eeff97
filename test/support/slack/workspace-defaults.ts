// The workspace a test gets unless it says otherwise: the app's identity and tokens, and a few users,
// channels (one the bot is not in, one private) and user groups to run commands against.

import type { SlackChannel, SlackUser, SlackUsergroup, WorkspaceConfig } from './state.js';

export const DEFAULT_WORKSPACE: WorkspaceConfig = {
  teamId: 'T0JOBBOT01',
  teamDomain: 'jobbot-test',
  teamName: 'Jobbot Test',
  appId: 'A0JOBBOT01',
  botId: 'B0JOBBOT01',
  botUserId: 'U0JOBBOT01',
  botName: 'jobbot',
  botToken: 'xoxb-0000000001-0000000002-jobbotTestToken',
  appToken: 'xapp-1-A0JOBBOT01-0000000003-jobbotAppToken',
  signingSecret: 'jobbot-test-signing-secret',
  verificationToken: 'jobbotVerificationToken',
};

export function defaultDirectory(cfg: WorkspaceConfig) {
  const users: SlackUser[] = [
    { id: cfg.botUserId, name: cfg.botName, realName: 'Jobbot', isBot: true },
    { id: 'U0ALICE001', name: 'alice', realName: 'Alice Admin', email: 'alice@example.com', isAdmin: true },
    { id: 'U0BOB00001', name: 'bob', realName: 'Bob Builder', email: 'bob@example.com' },
    { id: 'U0CAROL001', name: 'carol', realName: 'Carol Viewer', email: 'carol@example.com' },
  ];
  const humans = ['U0ALICE001', 'U0BOB00001', 'U0CAROL001'];
  const channels: SlackChannel[] = [
    { id: 'C0GENERAL1', name: 'general', members: humans },
    { id: 'C0JOBS0001', name: 'jobs', members: ['U0ALICE001', 'U0BOB00001'] },
    { id: 'C0PRIVATE1', name: 'ops-private', isPrivate: true, members: ['U0ALICE001'] },
    { id: 'C0RANDOM01', name: 'random', members: humans, botIsMember: false },
  ];
  const usergroups: SlackUsergroup[] = [
    { id: 'S0OPS00001', handle: 'ops', name: 'Operators', users: ['U0ALICE001'] },
    { id: 'S0DEVS0001', handle: 'devs', name: 'Developers', users: ['U0ALICE001', 'U0BOB00001'] },
  ];
  return { users, channels, usergroups };
}
