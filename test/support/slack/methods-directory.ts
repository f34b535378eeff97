// Directory and connection methods: auth.test, users.info, users.lookupByEmail,
// usergroups.list, usergroups.users.list, conversations.info, conversations.open and apps.connections.open (which
// hands out the emulator's Socket Mode URL). Response shapes follow the Web API reference examples.

import { fail, type MethodHandler, ok } from './api-types.js';
import { asBool, asString } from './http-util.js';
import type { SlackChannel, SlackState, SlackUser } from './state.js';

function userObject(state: SlackState, u: SlackUser): Record<string, unknown> {
  const realName = u.realName ?? u.name;
  return {
    id: u.id,
    team_id: state.config.teamId,
    name: u.name,
    deleted: u.deleted ?? false,
    real_name: realName,
    tz: u.tz ?? 'Europe/Amsterdam',
    tz_label: 'Central European Time',
    tz_offset: 3600,
    profile: {
      real_name: realName,
      real_name_normalized: realName,
      display_name: u.name,
      display_name_normalized: u.name,
      ...(u.email ? { email: u.email } : {}),
      team: state.config.teamId,
      ...(u.isBot ? { bot_id: state.config.botId, api_app_id: state.config.appId } : {}),
    },
    is_admin: u.isAdmin ?? false,
    is_owner: false,
    is_primary_owner: false,
    is_restricted: false,
    is_ultra_restricted: false,
    is_bot: u.isBot ?? false,
    is_app_user: false,
    updated: 1_700_000_000,
  };
}

export function channelObject(state: SlackState, c: SlackChannel): Record<string, unknown> {
  if (c.isIm) {
    return {
      id: c.id,
      created: 1_700_000_000,
      is_im: true,
      is_org_shared: false,
      user: c.imUser,
      priority: 0,
    };
  }
  return {
    id: c.id,
    name: c.name,
    is_channel: !c.isPrivate,
    is_group: false,
    is_im: false,
    is_mpim: false,
    is_private: c.isPrivate ?? false,
    created: 1_700_000_000,
    is_archived: c.isArchived ?? false,
    is_general: c.name === 'general',
    unlinked: 0,
    name_normalized: c.name,
    is_shared: false,
    is_org_shared: false,
    is_member: c.botIsMember !== false,
    is_pending_ext_shared: false,
    context_team_id: state.config.teamId,
    creator: '',
    topic: { value: '', creator: '', last_set: 0 },
    purpose: { value: '', creator: '', last_set: 0 },
  };
}

const authTest: MethodHandler = ({ state }) => {
  const cfg = state.config;
  return ok({
    url: `https://${cfg.teamDomain}.slack.com/`,
    team: cfg.teamName,
    user: cfg.botName,
    team_id: cfg.teamId,
    user_id: cfg.botUserId,
    bot_id: cfg.botId,
    is_enterprise_install: false,
  });
};

const usersInfo: MethodHandler = ({ state, args }) => {
  const user = state.users.get(asString(args.user) ?? '');
  return user ? ok({ user: userObject(state, user) }) : fail('user_not_found');
};

const usersLookupByEmail: MethodHandler = ({ state, args }) => {
  const email = asString(args.email);
  const user = [...state.users.values()].find((u) => u.email !== undefined && u.email === email);
  return user ? ok({ user: userObject(state, user) }) : fail('users_not_found');
};

const usergroupUsers: MethodHandler = ({ state, args }) => {
  const id = asString(args.usergroup);
  if (!id) return fail('invalid_arguments', ['missing required field: usergroup']);
  const group = state.usergroups.get(id);
  return group ? ok({ users: [...group.users] }) : fail('no_such_subteam');
};

const usergroupsList: MethodHandler = ({ state }) =>
  ok({
    usergroups: [...state.usergroups.values()].map((g) => ({
      id: g.id,
      team_id: state.config.teamId,
      is_usergroup: true,
      name: g.name,
      handle: g.handle,
      user_count: g.users.length,
    })),
  });

const conversationsInfo: MethodHandler = ({ state, args }) => {
  const channel = state.channels.get(asString(args.channel) ?? '');
  if (!channel) return fail('channel_not_found');
  const obj = channelObject(state, channel);
  if (asBool(args.include_num_members) && !channel.isIm) {
    obj.num_members = channel.members.length + (channel.botIsMember === false ? 0 : 1);
  }
  return ok({ channel: obj });
};

const conversationsOpen: MethodHandler = ({ state, args }) => {
  const users = (asString(args.users) ?? '').split(',').filter(Boolean);
  if (users.length === 0) return fail('users_list_not_supplied');
  if (users.length > 1) return fail('not_supported', ['only one-to-one conversations are emulated']);
  const user = users[0] as string;
  if (!state.users.has(user)) return fail('user_not_found');
  const im = state.imFor(user);
  return ok({ channel: asBool(args.return_im) ? channelObject(state, im) : { id: im.id } });
};

const connectionsOpen: MethodHandler = ({ socketUrl }) => ok({ url: socketUrl() });

export const directoryMethods: Record<string, MethodHandler> = {
  'auth.test': authTest,
  'users.info': usersInfo,
  'users.lookupByEmail': usersLookupByEmail,
  'usergroups.users.list': usergroupUsers,
  'usergroups.list': usergroupsList,
  'conversations.info': conversationsInfo,
  'conversations.open': conversationsOpen,
  'apps.connections.open': connectionsOpen,
};
