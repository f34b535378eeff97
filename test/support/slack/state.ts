// In-memory state of the emulated Slack workspace: directory (users, channels, user groups), posted
// messages, ephemerals, views, files, trigger ids and response URLs. The Web API methods, the
// response_url endpoint and the driver all read and change this one object.
// Glossary: ts = Slack message timestamp "seconds.micro" (also the message id within a channel);
// trigger = single-use token (3 s) that lets the app open a modal; IM = direct-message channel "D…".

import { randomBytes } from 'node:crypto';
import { defaultDirectory } from './workspace-defaults.js';

export type JsonObject = Record<string, unknown>;

export interface WorkspaceConfig {
  teamId: string;
  teamDomain: string;
  teamName: string;
  appId: string;
  botId: string;
  botUserId: string;
  botName: string;
  botToken: string;
  appToken: string;
  signingSecret: string;
  /** Legacy verification token Slack still puts in payloads. */
  verificationToken: string;
}

export interface SlackUser {
  id: string;
  name: string;
  realName?: string;
  email?: string;
  isAdmin?: boolean;
  isBot?: boolean;
  deleted?: boolean;
  tz?: string;
}

export interface SlackChannel {
  id: string;
  name: string;
  isPrivate?: boolean;
  isIm?: boolean;
  isArchived?: boolean;
  /** Human members; the bot's membership is `botIsMember`. */
  members: string[];
  /** Defaults to true; false makes chat.postMessage answer not_in_channel. */
  botIsMember?: boolean;
  /** For an IM: the user on the other side. */
  imUser?: string;
}

export interface SlackUsergroup {
  id: string;
  handle: string;
  name: string;
  users: string[];
}

/** A message as Slack returns it (conversations.history shape) plus the channel it lives in. */
export interface StoredMessage {
  channel: string;
  type: 'message';
  subtype?: string;
  ts: string;
  thread_ts?: string;
  text: string;
  user: string;
  bot_id?: string;
  app_id?: string;
  team: string;
  blocks?: unknown[];
  attachments?: unknown[];
  files?: unknown[];
  /** Set with subtype file_share: a human shared files in this message. */
  upload?: boolean;
  display_as_bot?: boolean;
  metadata?: unknown;
  edited?: { user: string; ts: string };
  reply_count?: number;
  deleted?: boolean;
}

export interface StoredEphemeral {
  channel: string;
  user: string;
  message_ts: string;
  thread_ts?: string;
  text: string;
  blocks?: unknown[];
  via: 'chat.postEphemeral' | 'response_url' | 'ack';
  deleted?: boolean;
}

export interface StoredView {
  id: string;
  user: string;
  /** The view object exactly as the Web API returns it (id, hash, state, root_view_id...). */
  view: JsonObject;
  closed: boolean;
}

export interface StoredFile {
  id: string;
  filename: string;
  title?: string;
  declaredLength: number;
  content?: Buffer;
  completed: boolean;
  channel?: string;
  threadTs?: string;
  initialComment?: string;
  altText?: string;
  snippetType?: string;
  /** Who shared it (default: the bot, for files the app uploads). */
  user?: string;
  /** Overrides of what the file name's extension implies. */
  filetype?: string;
  mimetype?: string;
  mode?: 'hosted' | 'snippet';
  /** Creation time in seconds (default: when the file object is built). */
  created?: number;
  /** The message that shared it, for files.info's `shares`. */
  messageTs?: string;
}

export interface Trigger {
  id: string;
  user: string;
  issuedAt: number;
  used: boolean;
  /** The view the interaction came from, so views.push knows which stack to grow. */
  viewId?: string;
}

export interface ResponseUrlTicket {
  id: string;
  url: string;
  user: string;
  channel?: string;
  /** The message an interaction came from: replace_original/delete_original act on it. */
  messageTs?: string;
  isEphemeral?: boolean;
  issuedAt: number;
  uses: number;
}

export interface ResponseRecord {
  url: string;
  body: unknown;
  status: number;
  error?: string;
  time: number;
  /** The message or ephemeral the post created (not a replace or delete of the original). */
  posted?: StoredMessage | StoredEphemeral;
}

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

export function randomId(prefix: string, length = 10): string {
  const bytes = randomBytes(length);
  let id = prefix;
  for (const b of bytes) id += ID_ALPHABET[b % ID_ALPHABET.length];
  return id;
}

export class SlackState {
  readonly users = new Map<string, SlackUser>();
  readonly channels = new Map<string, SlackChannel>();
  readonly usergroups = new Map<string, SlackUsergroup>();
  readonly messagesByChannel = new Map<string, StoredMessage[]>();
  readonly ephemerals: StoredEphemeral[] = [];
  readonly views = new Map<string, StoredView>();
  /** Open modal stack per user, root first. */
  readonly modalStacks = new Map<string, string[]>();
  readonly homeViews = new Map<string, string>();
  readonly files = new Map<string, StoredFile>();
  readonly triggers = new Map<string, Trigger>();
  readonly responseUrls = new Map<string, ResponseUrlTicket>();
  readonly responses: ResponseRecord[] = [];
  /** The emulator's http://127.0.0.1:PORT once it listens: file URLs handed out point at it. */
  baseUrl = 'http://127.0.0.1';
  private lastTs = { sec: 0, micro: 0 };

  constructor(
    readonly config: WorkspaceConfig,
    readonly now: () => number,
    withDefaults: boolean,
  ) {
    if (!withDefaults) {
      this.users.set(config.botUserId, { id: config.botUserId, name: config.botName, isBot: true });
      return;
    }
    const dir = defaultDirectory(config);
    for (const u of dir.users) this.users.set(u.id, u);
    for (const c of dir.channels) this.channels.set(c.id, c);
    for (const g of dir.usergroups) this.usergroups.set(g.id, g);
  }

  /** Monotonic message timestamps from the injectable clock. */
  nextTs(): string {
    const sec = Math.floor(this.now() / 1000);
    if (sec > this.lastTs.sec) this.lastTs = { sec, micro: 100 };
    else this.lastTs = { sec: this.lastTs.sec, micro: this.lastTs.micro + 100 };
    return `${this.lastTs.sec}.${String(this.lastTs.micro).padStart(6, '0')}`;
  }

  /** Resolves an id, a name or "#name"; a user id resolves to the bot's IM with that user. */
  resolveChannel(ref: unknown): SlackChannel | undefined {
    if (typeof ref !== 'string' || ref === '') return undefined;
    const direct = this.channels.get(ref);
    if (direct) return direct;
    if (this.users.has(ref) && ref !== this.config.botUserId) return this.imFor(ref);
    const name = ref.startsWith('#') ? ref.slice(1) : ref;
    return [...this.channels.values()].find((c) => c.name === name && !c.isIm);
  }

  imFor(userId: string): SlackChannel {
    const existing = [...this.channels.values()].find((c) => c.isIm && c.imUser === userId);
    if (existing) return existing;
    const im: SlackChannel = {
      id: randomId('D'),
      name: userId,
      isIm: true,
      isPrivate: true,
      members: [userId],
    };
    im.imUser = userId;
    this.channels.set(im.id, im);
    return im;
  }

  channelMessages(channel: string): StoredMessage[] {
    let list = this.messagesByChannel.get(channel);
    if (!list) {
      list = [];
      this.messagesByChannel.set(channel, list);
    }
    return list;
  }

  findMessage(channel: string, ts: string): StoredMessage | undefined {
    return this.messagesByChannel.get(channel)?.find((m) => m.ts === ts && !m.deleted);
  }

  addMessage(msg: Omit<StoredMessage, 'ts' | 'type' | 'team'> & { ts?: string }): StoredMessage {
    const stored: StoredMessage = {
      type: 'message',
      team: this.config.teamId,
      ...msg,
      ts: msg.ts ?? this.nextTs(),
    };
    if (stored.thread_ts) {
      const parent = this.findMessage(stored.channel, stored.thread_ts);
      if (parent) {
        parent.thread_ts = parent.ts;
        parent.reply_count = (parent.reply_count ?? 0) + 1;
      }
    }
    this.channelMessages(stored.channel).push(stored);
    return stored;
  }

  botMessageFields(): Pick<StoredMessage, 'user' | 'bot_id' | 'app_id'> {
    return { user: this.config.botUserId, bot_id: this.config.botId, app_id: this.config.appId };
  }

  issueTrigger(user: string, viewId?: string): string {
    const id = `${Math.floor(this.now() / 1000)}.${randomDigits(10)}.${randomBytes(16).toString('hex')}`;
    this.triggers.set(id, { id, user, issuedAt: this.now(), used: false, viewId });
    return id;
  }

  /** Checks a trigger_id the way views.open/push do; consuming is separate so a failed call keeps it. */
  checkTrigger(id: unknown): { trigger: Trigger } | { error: string } {
    const trigger = typeof id === 'string' ? this.triggers.get(id) : undefined;
    if (!trigger) return { error: 'invalid_trigger_id' };
    if (trigger.used) return { error: 'exchanged_trigger_id' };
    if (this.now() - trigger.issuedAt > 3000) return { error: 'expired_trigger_id' };
    return { trigger };
  }
}

function randomDigits(n: number): string {
  let s = '';
  for (const b of randomBytes(n)) s += String(b % 10);
  return s.replace(/^0/, '1');
}

/** The message object as Slack puts it in API responses and interaction payloads. */
export function toSlackMessage(m: StoredMessage): JsonObject {
  const { channel: _channel, deleted: _deleted, ...rest } = m;
  return structuredClone(rest) as JsonObject;
}
