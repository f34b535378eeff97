// SlackDriver plays the Slack side towards the app: slash commands, button clicks, menu selections,
// modal submissions and closes, message and global shortcuts, Events API events, over HTTP (signed)
// or Socket Mode. Each slash command / interaction gets a fresh trigger_id and response_url from the
// emulator. A slash command's visible answer (its ack body, or what the app posts to its response_url
// afterwards) comes from `answer()` on what slashCommand returns. After a view_submission the app's
// ack (response_action errors/update/push/clear, or nothing = close) is applied to the emulator's
// views, as the Slack client would.

import { recordSlashAck } from './driver-ack.js';
import { type SlashAnswer, slashAnswer, sourceOf } from './driver-answer.js';
import {
  type ActionSource,
  actionTs,
  commonFields,
  eventCallback,
  findElement,
  globalShortcutPayload,
  messageShortcutPayload,
  type ResolvedSource,
  resolveSource,
  slashCommandPayload,
  userField,
} from './driver-payloads.js';
import {
  type DriverResponse,
  type PayloadKind,
  type RequestOptions,
  sendHttp,
  sendSocket,
  type Transport,
} from './driver-transport.js';
import { applySubmissionAck, submissionResponseUrls } from './driver-views.js';
import type { JsonObject, StoredView } from './state.js';
import { buildViewState, type StateValues, stateFor, type UserValue } from './view-state.js';
import { closeModal } from './views-store.js';
import type { SlackEmulator } from './web-api.js';

export type { SlashAnswer } from './driver-answer.js';
export type { ActionSource } from './driver-payloads.js';
export type { DriverResponse, RequestOptions, Transport } from './driver-transport.js';
export type { UserValue } from './view-state.js';

export interface SlackDriverOptions {
  emulator: SlackEmulator;
  transport: Transport;
  /** Base URL of the app's HTTP receiver (HTTP transport), e.g. http://127.0.0.1:3000 */
  appUrl?: string;
  eventsPath?: string;
  signingSecret?: string;
  /** Slack's acknowledgement deadline (3 s); a slower ack fails the call. */
  ackTimeoutMs?: number;
}

export interface InteractionResponse extends DriverResponse {
  triggerId: string;
  responseUrl?: string;
  /** A slash command's reply in its ack body, to click its buttons (see also `answer()`). */
  reply?: ActionSource;
}

export interface SlashCommandResponse extends InteractionResponse {
  responseUrl: string;
  /**
   * What the person sees: the ack body if it had one, else the first post to this command's
   * response_url, waited for up to `timeoutMs` (10 s); rejects if none comes or Slack refused it.
   * With `orModal`, a modal opened with this command's trigger_id instead resolves undefined.
   */
  answer(opts?: { timeoutMs?: number; orModal?: false }): Promise<SlashAnswer>;
  answer(opts: { timeoutMs?: number; orModal: true }): Promise<SlashAnswer | undefined>;
}

export interface ViewSubmissionResponse extends InteractionResponse {
  viewId: string;
}

interface ActionArgs {
  actionId: string;
  source: ActionSource;
  blockId?: string;
  user?: string;
  /** For view sources: what the user typed in the view's inputs before clicking (by label). */
  values?: Record<string, UserValue>;
}

const SELECT_TYPES = (t: string) =>
  t.endsWith('_select') ||
  ['radio_buttons', 'checkboxes', 'overflow', 'datepicker', 'timepicker'].includes(t);

export interface SentRequest {
  kind: PayloadKind;
  payload: unknown;
}

export class SlackDriver {
  private readonly emulator: SlackEmulator;
  private readonly ackTimeoutMs: number;

  constructor(private readonly opts: SlackDriverOptions) {
    this.emulator = opts.emulator;
    this.ackTimeoutMs = opts.ackTimeoutMs ?? 3000;
    if (opts.transport === 'http' && !opts.appUrl)
      throw new Error('SlackDriver: appUrl is required for HTTP');
  }

  private get state() {
    return this.emulator.state;
  }

  async slashCommand(
    p: { command: string; text?: string; user?: string; channel?: string },
    opts: RequestOptions = {},
  ): Promise<SlashCommandResponse> {
    const user = p.user ?? this.emulator.defaultUser;
    const channel = this.emulator.channelId(p.channel ?? this.emulator.defaultChannel);
    const triggerId = this.emulator.issueTriggerId({ user });
    const responseUrl = this.emulator.issueResponseUrl({ user, channel });
    const payload = slashCommandPayload(this.state, {
      command: p.command,
      text: p.text ?? '',
      user,
      channel,
      triggerId,
      responseUrl,
    });
    const res = await this.send('slash', payload, opts);
    const reply = res.status === 200 ? recordSlashAck(this.state, { channel, user }, res.ack) : undefined;
    const answer = slashAnswer(this.emulator, {
      what: `\`${`${p.command} ${p.text ?? ''}`.trim()}\``,
      res,
      recorded: reply,
      triggerId,
      responseUrl,
    });
    return {
      ...res,
      triggerId,
      responseUrl,
      ...(reply ? { reply: sourceOf(reply) } : {}),
      answer: answer as SlashCommandResponse['answer'],
    };
  }

  /** Presses a button the app rendered (found by action_id; blockId/value disambiguate). */
  async clickButton(
    p: ActionArgs & { value?: string },
    opts: RequestOptions = {},
  ): Promise<InteractionResponse> {
    const src = resolveSource(this.state, p.source);
    const filter = { ...(p.blockId ? { blockId: p.blockId } : {}), ...(p.value ? { value: p.value } : {}) };
    const { element, blockId } = findElement(src, p.actionId, (t) => t === 'button', filter);
    const action: JsonObject = {
      action_id: element.action_id,
      block_id: blockId,
      text: element.text,
      ...(element.value !== undefined ? { value: element.value } : {}),
      ...(element.style !== undefined ? { style: element.style } : {}),
      ...(element.url !== undefined ? { url: element.url } : {}),
      type: 'button',
      action_ts: actionTs(this.state),
    };
    return this.blockActions(src, p, action, opts);
  }

  /** Picks options in a select / radio / checkboxes / overflow / picker (static or external). */
  async selectOption(
    p: ActionArgs & { value: UserValue },
    opts: RequestOptions = {},
  ): Promise<InteractionResponse> {
    const src = resolveSource(this.state, p.source);
    const filter = p.blockId ? { blockId: p.blockId } : {};
    const { element, blockId } = findElement(src, p.actionId, SELECT_TYPES, filter);
    const picked = stateFor(this.state, element, p.value, p.actionId);
    if (src.view) this.rememberState(src.view, blockId, String(element.action_id), picked);
    const action: JsonObject = {
      ...picked,
      action_id: element.action_id,
      block_id: blockId,
      ...(element.placeholder !== undefined ? { placeholder: element.placeholder } : {}),
      action_ts: actionTs(this.state),
    };
    return this.blockActions(src, p, action, opts);
  }

  /** block_suggestion for an external select: what the app answers is the option list. */
  async loadOptions(
    p: { actionId: string; value: string; source: ActionSource; blockId?: string; user?: string },
    opts: RequestOptions = {},
  ): Promise<DriverResponse> {
    const src = resolveSource(this.state, p.source);
    const filter = p.blockId ? { blockId: p.blockId } : {};
    const { blockId } = findElement(src, p.actionId, (t) => t.includes('external'), filter);
    const payload = {
      type: 'block_suggestion',
      ...commonFields(this.state, p.user ?? src.owner ?? this.emulator.defaultUser),
      container: src.container,
      action_id: p.actionId,
      block_id: blockId,
      value: p.value,
      ...src.fields,
    };
    return this.send('interactive', payload, opts);
  }

  /** Fills the inputs (by label) of a modal and presses Submit; applies the app's response_action. */
  async submitView(
    p: { viewId?: string; user?: string; values?: Record<string, UserValue> },
    opts: RequestOptions = {},
  ): Promise<ViewSubmissionResponse> {
    const stored = this.openModal(p.viewId, p.user);
    const values = buildViewState(this.state, stored.view, p.values ?? {}, {
      forSubmit: true,
      previous: this.stateOf(stored),
    });
    stored.view.state = { values };
    const triggerId = this.emulator.issueTriggerId({ user: stored.user, viewId: stored.id });
    const payload = {
      type: 'view_submission',
      ...commonFields(this.state, stored.user),
      trigger_id: triggerId,
      view: structuredClone(stored.view),
      response_urls: submissionResponseUrls(this.emulator, stored, values),
    };
    const res = await this.send('interactive', payload, opts);
    if (res.status === 200) applySubmissionAck(this.state, stored, res.ack);
    return { ...res, triggerId, viewId: stored.id };
  }

  /** The user closes a modal (X / Cancel). Slack only tells the app when notify_on_close is set. */
  async closeView(
    p: { viewId?: string; user?: string } = {},
    opts: RequestOptions = {},
  ): Promise<DriverResponse | null> {
    const stored = this.openModal(p.viewId, p.user);
    const view = structuredClone(stored.view);
    closeModal(this.state, stored.id);
    if (view.notify_on_close !== true) return null;
    const payload = {
      type: 'view_closed',
      ...commonFields(this.state, stored.user),
      view,
      is_cleared: false,
    };
    return this.send('interactive', payload, opts);
  }

  /**
   * A user runs the app's message shortcut `callbackId` on a stored message (one posted by the app or
   * by a human with postUserMessage, files included). Slack only offers it on messages the user can
   * see. The response_url posts into the message's channel; it cannot replace the message.
   */
  async messageShortcut(
    p: { callbackId: string; source: { channel: string; ts: string }; user?: string },
    opts: RequestOptions = {},
  ): Promise<InteractionResponse> {
    const channel = this.state.resolveChannel(p.source.channel);
    const message = channel ? this.state.findMessage(channel.id, p.source.ts) : undefined;
    if (!channel || !message) throw new Error(`no message ${p.source.ts} in channel ${p.source.channel}`);
    const user = p.user ?? this.emulator.defaultUser;
    const hidden = channel.isIm
      ? channel.imUser !== user
      : channel.isPrivate && !channel.members.includes(user);
    if (hidden) throw new Error(`user ${user} cannot see channel ${channel.id}, so has no shortcut there`);
    const triggerId = this.emulator.issueTriggerId({ user });
    const responseUrl = this.emulator.issueResponseUrl({ user, channel: channel.id });
    const payload = messageShortcutPayload(this.state, {
      callbackId: p.callbackId,
      user,
      channel: channel.id,
      message,
      triggerId,
      responseUrl,
    });
    return { ...(await this.send('interactive', payload, opts)), triggerId, responseUrl };
  }

  /** A user runs the app's global shortcut `callbackId` (from the composer or search). */
  async globalShortcut(
    p: { callbackId: string; user?: string },
    opts: RequestOptions = {},
  ): Promise<InteractionResponse> {
    const user = p.user ?? this.emulator.defaultUser;
    const triggerId = this.emulator.issueTriggerId({ user });
    const payload = globalShortcutPayload(this.state, { callbackId: p.callbackId, user, triggerId });
    return { ...(await this.send('interactive', payload, opts)), triggerId };
  }

  /** Delivers an Events API event wrapped in event_callback. */
  async event(event: JsonObject, opts: RequestOptions = {}): Promise<DriverResponse & { eventId: string }> {
    const payload = eventCallback(this.state, event);
    return { ...(await this.send('event', payload, opts)), eventId: String(payload.event_id) };
  }

  /** app_home_opened as Slack sends it, with the user's current Home view if one was published. */
  async appHomeOpened(user: string = this.emulator.defaultUser, opts: RequestOptions = {}) {
    const home = this.emulator.homeView(user);
    const channel = this.state.imFor(user).id;
    return this.event(
      { type: 'app_home_opened', user, channel, tab: 'home', ...(home ? { view: home } : {}) },
      opts,
    );
  }

  async urlVerification(challenge: string, opts: RequestOptions = {}): Promise<DriverResponse> {
    const payload = { token: this.state.config.verificationToken, challenge, type: 'url_verification' };
    return this.send('url_verification', payload, opts);
  }

  private async blockActions(
    src: ResolvedSource,
    p: ActionArgs,
    action: JsonObject,
    opts: RequestOptions,
  ): Promise<InteractionResponse> {
    const user = p.user ?? src.owner ?? this.emulator.defaultUser;
    // Slack sends a view's whole state with every action in it, initial values included.
    if (src.view) {
      src.view.view.state = {
        values: buildViewState(this.state, src.view.view, p.values ?? {}, {
          forSubmit: false,
          previous: this.stateOf(src.view),
        }),
      };
    }
    const triggerId = this.emulator.issueTriggerId({ user, ...(src.view ? { viewId: src.view.id } : {}) });
    const responseUrl =
      src.kind === 'view'
        ? undefined
        : this.emulator.issueResponseUrl({
            user,
            ...(src.channel ? { channel: src.channel } : {}),
            ...(src.messageTs ? { messageTs: src.messageTs } : {}),
            isEphemeral: src.kind === 'ephemeral',
          });
    const fields = src.view ? { view: structuredClone(src.view.view) } : src.fields;
    const payload = {
      type: 'block_actions',
      user: userField(this.state, user),
      api_app_id: this.state.config.appId,
      token: this.state.config.verificationToken,
      container: src.container,
      trigger_id: triggerId,
      team: { id: this.state.config.teamId, domain: this.state.config.teamDomain },
      enterprise: null,
      is_enterprise_install: false,
      ...fields,
      ...(src.kind !== 'view' ? { state: { values: {} } } : {}),
      ...(responseUrl ? { response_url: responseUrl } : {}),
      actions: [action],
    };
    return {
      ...(await this.send('interactive', payload, opts)),
      triggerId,
      ...(responseUrl ? { responseUrl } : {}),
    };
  }

  /** The last request this driver sent, e.g. to deliver it again through another driver. */
  get lastRequest(): SentRequest | undefined {
    return this.last;
  }

  /**
   * Delivers a request again (default the last one), byte for byte as Slack redelivers one it thinks
   * went unanswered; the answer is not applied to the workspace.
   */
  redeliver(
    request: SentRequest | undefined = this.last,
    opts: RequestOptions = { retryNum: 1, retryReason: 'http_timeout' },
  ): Promise<DriverResponse> {
    if (!request) throw new Error('SlackDriver: nothing was sent yet');
    return this.send(request.kind, request.payload, opts);
  }

  private last: SentRequest | undefined;

  private send(kind: PayloadKind, payload: unknown, opts: RequestOptions): Promise<DriverResponse> {
    this.last = { kind, payload };
    if (this.opts.transport === 'socket')
      return sendSocket(this.emulator.socket, kind, payload, opts, this.ackTimeoutMs);
    const url = `${this.opts.appUrl}${this.opts.eventsPath ?? '/slack/events'}`;
    const secret = this.opts.signingSecret ?? this.state.config.signingSecret;
    return sendHttp(url, kind, payload, secret, opts, this.ackTimeoutMs);
  }

  private openModal(viewId: string | undefined, user: string | undefined): StoredView {
    const id = viewId ?? this.emulator.latestView(user ?? this.emulator.defaultUser)?.id;
    const stored = typeof id === 'string' ? this.state.views.get(id) : undefined;
    if (!stored || stored.closed || stored.view.type !== 'modal') {
      throw new Error(
        viewId ? `view ${viewId} is not an open modal` : `user ${user ?? 'default'} has no open modal`,
      );
    }
    return stored;
  }

  private stateOf(stored: StoredView): StateValues {
    return ((stored.view.state as JsonObject | undefined)?.values ?? {}) as StateValues;
  }

  private rememberState(stored: StoredView, blockId: string, actionId: string, value: JsonObject): void {
    const values = this.stateOf(stored);
    values[blockId] = { ...values[blockId], [actionId]: value };
    stored.view.state = { values };
  }
}
