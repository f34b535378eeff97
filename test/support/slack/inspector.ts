// Test-facing view of the emulated workspace: register users/channels/groups, post as a human, and
// read what a user would see now (messages after updates and deletes, threads, ephemerals, open
// modals, Home tabs, uploaded files, response_url posts). Getters return copies so assertions cannot
// change the emulator's state by accident.

import { shareUserFiles, type UserFile } from './files-store.js';
import type {
  JsonObject,
  ResponseRecord,
  SlackChannel,
  SlackState,
  SlackUser,
  SlackUsergroup,
  StoredEphemeral,
  StoredFile,
  StoredMessage,
  WorkspaceConfig,
} from './state.js';

function isTopLevel(m: StoredMessage): boolean {
  return !m.thread_ts || m.thread_ts === m.ts || m.subtype === 'thread_broadcast';
}

const byTs = (a: StoredMessage, b: StoredMessage) => Number(a.ts) - Number(b.ts);

export class SlackInspector {
  constructor(readonly state: SlackState) {}

  get config(): WorkspaceConfig {
    return this.state.config;
  }

  /** The first human user: who slash commands and clicks come from unless a test says otherwise. */
  get defaultUser(): string {
    const human = [...this.state.users.values()].find((u) => !u.isBot && !u.deleted);
    return human?.id ?? this.state.config.botUserId;
  }

  /** The first channel the bot is in. */
  get defaultChannel(): string {
    const channel = [...this.state.channels.values()].find((c) => !c.isIm && c.botIsMember !== false);
    if (!channel) throw new Error('the emulated workspace has no channel the bot is a member of');
    return channel.id;
  }

  addUser(user: SlackUser): void {
    this.state.users.set(user.id, user);
  }

  addChannel(channel: SlackChannel): void {
    this.state.channels.set(channel.id, channel);
  }

  addUsergroup(group: SlackUsergroup): void {
    this.state.usergroups.set(group.id, group);
  }

  /**
   * A message written by a human (the app may not update or delete it). With `files`, the human shares
   * them in the message, as Slack shows it: subtype file_share, `upload: true`, and Slack's file
   * objects whose url_private(_download) this emulator serves to the bot token.
   */
  postUserMessage(opts: {
    channel: string;
    user: string;
    text: string;
    threadTs?: string;
    files?: UserFile[];
  }): StoredMessage {
    const channel = this.channelId(opts.channel);
    if (opts.files && opts.files.length > 0) {
      const shared = shareUserFiles(this.state, {
        channel,
        user: opts.user,
        text: opts.text,
        files: opts.files,
        ...(opts.threadTs ? { threadTs: opts.threadTs } : {}),
      });
      return structuredClone(shared);
    }
    const msg = this.state.addMessage({
      channel,
      user: opts.user,
      text: opts.text,
      ...(opts.threadTs ? { thread_ts: opts.threadTs } : {}),
    });
    return structuredClone(msg);
  }

  /** Top-level messages of a channel (id, name or user id for the IM) in posting order. */
  messages(channel: string): StoredMessage[] {
    const list = this.state.messagesByChannel.get(this.channelId(channel)) ?? [];
    return structuredClone(list.filter((m) => !m.deleted && isTopLevel(m)).sort(byTs));
  }

  /** A thread: the parent first, then its replies. */
  thread(channel: string, ts: string): StoredMessage[] {
    const list = this.state.messagesByChannel.get(this.channelId(channel)) ?? [];
    const thread = list.filter((m) => !m.deleted && (m.ts === ts || m.thread_ts === ts)).sort(byTs);
    return structuredClone(thread);
  }

  message(channel: string, ts: string): StoredMessage | undefined {
    const msg = this.state.findMessage(this.channelId(channel), ts);
    return msg ? structuredClone(msg) : undefined;
  }

  ephemerals(filter: { channel?: string; user?: string } = {}): StoredEphemeral[] {
    const channel = filter.channel ? this.channelId(filter.channel) : undefined;
    return structuredClone(
      this.state.ephemerals.filter(
        (e) => !e.deleted && (!channel || e.channel === channel) && (!filter.user || e.user === filter.user),
      ),
    );
  }

  /** Current state of a view by id (as views.* return it), open or closed. */
  view(id: string): JsonObject | undefined {
    const stored = this.state.views.get(id);
    return stored ? structuredClone(stored.view) : undefined;
  }

  /** Every view the app opened, pushed or published, with whether the user still sees it. */
  views(): Array<{ id: string; user: string; open: boolean; view: JsonObject }> {
    return [...this.state.views.values()].map((v) => ({
      id: v.id,
      user: v.user,
      open: !v.closed,
      view: structuredClone(v.view),
    }));
  }

  isViewOpen(id: string): boolean {
    const stored = this.state.views.get(id);
    return stored !== undefined && !stored.closed;
  }

  /** The user's open modal stack, root first. */
  openModals(user: string): JsonObject[] {
    const stack = this.state.modalStacks.get(user) ?? [];
    return stack.map((id) => structuredClone(this.state.views.get(id)?.view ?? {}));
  }

  /** The modal on top of the user's stack: what the user is looking at. */
  latestView(user: string = this.defaultUser): JsonObject | undefined {
    const stack = this.state.modalStacks.get(user) ?? [];
    const top = stack[stack.length - 1];
    return top ? this.view(top) : undefined;
  }

  homeView(user: string = this.defaultUser): JsonObject | undefined {
    const id = this.state.homeViews.get(user);
    return id ? this.view(id) : undefined;
  }

  files(): StoredFile[] {
    return [...this.state.files.values()].map((f) => ({ ...f }));
  }

  file(id: string): StoredFile | undefined {
    const f = this.state.files.get(id);
    return f ? { ...f } : undefined;
  }

  /** Every POST to a response_url, in order, with the status it got. */
  get responses(): ResponseRecord[] {
    return structuredClone(this.state.responses);
  }

  channelId(ref: string): string {
    const channel = this.state.resolveChannel(ref);
    if (!channel) throw new Error(`unknown channel ${ref}`);
    return channel.id;
  }
}
