/**
 * Bolt's receiver for POST /slack/events in HTTP mode, put together from Bolt's own pieces
 * (HTTPModuleFunctions, HTTPResponseAck) and behaving as Bolt's HTTPReceiver does: signature check
 * (401 when it fails, 413 past the body limit, 400 for a body that does not parse), ssl_check,
 * url_verification, the retry headers handed to the app, 404 when nothing acks within 3 s, and 500
 * when processing fails before the ack.
 *
 * One difference, for slash commands: they are answered 200 with an empty body right after the
 * signature check; their listener runs afterwards from a queue (command-queue.ts: one per loop turn,
 * once requests stop arriving) and answers through the command's response_url
 * (listeners/slash-command.ts). HTTPReceiver answers only when the listener acks, after Bolt's
 * middleware and the listener have run (~1.4 ms of CPU for `/job help`, ~5 ms for `/job run --yes`),
 * and one event loop serves a burst one request after the other: the last of 200 at once waited
 * 327 ms for `help` and 5.4 s for `run --yes`, past Slack's 3 s deadline (BENCHMARKS.md section 1).
 * Interactions, view submissions (whose ack body carries `response_action`) and events are still
 * acknowledged by their listener, as with HTTPReceiver.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import {
  type AckFn,
  type App,
  AuthorizationError,
  type Logger as BoltLogger,
  type BufferedIncomingMessage,
  HTTPResponseAck,
  HTTPModuleFunctions as http,
  type Receiver,
  type ReceiverEvent,
  type webApi,
} from '@slack/bolt';
import type { Logger } from '../logger.js';
import { boltLogger } from './bolt-logger.js';
import { CommandQueue, type CommandQueueTiming } from './command-queue.js';
import { errorMessage } from './views/help.js';

export interface SlackReceiverOptions {
  signingSecret: string;
  log: Logger;
  /** Posts to a response_url (the app's metered fetch); the global fetch when left out. */
  fetch?: webApi.FetchFunction;
  /** How long a request other than a command waits for its ack before it is answered 404. */
  unhandledRequestTimeoutMillis?: number;
  /** When queued commands start (tests); COMMAND_QUEUE_TIMING when left out. */
  commandTiming?: CommandQueueTiming;
}

/** Bolt's HTTPReceiver default: just past Slack's 3 s, after which Slack has given up anyway. */
const UNHANDLED_REQUEST_TIMEOUT_MS = 3_001;

/** What the person is told when authorization fails, where HTTPReceiver answered 401 (shown by Slack). */
const NOT_AUTHORIZED =
  'Jobbot cannot confirm its Slack identity right now (Slack has not answered it yet), so it did not run your command. Try again in a minute.';

export class SlackReceiver implements Receiver {
  readonly requestListener: RequestListener;
  #app: App | undefined;
  readonly #log: Logger;
  readonly #logger: BoltLogger;
  readonly #commands: CommandQueue<ReceiverEvent>;
  #urgent: (command: string, text: string | undefined) => boolean = () => false;

  constructor(private readonly opts: SlackReceiverOptions) {
    this.#commands = new CommandQueue((event) => this.#runCommand(event), opts.commandTiming);
    this.#log = opts.log.child({ component: 'slack-receiver' });
    this.#logger = boltLogger(opts.log);
    this.requestListener = (req, res) => {
      const read = this.#commands.arrived();
      this.#handle(req, res, read).catch((err: unknown) => {
        read();
        this.#log.error({ err, code: 'slack_request_failed' }, 'a request to /slack/events failed');
        if (!res.headersSent) http.buildNoBodyResponse(res, 500);
      });
    };
  }

  /** Says which commands start ahead of those waiting (Subcommand.opensForm: they open a form). */
  prioritize(urgent: (command: string, text: string | undefined) => boolean): void {
    this.#urgent = urgent;
  }

  init(app: App): void {
    this.#app = app;
  }

  /** Nothing to start: Jobbot's own HTTP server (http/server.ts) mounts `requestListener`. */
  start(): Promise<void> {
    return Promise.resolve();
  }

  /** Lets the commands acknowledged already finish (for up to `graceMs`), as a shutdown must. */
  async stop(graceMs = 10_000): Promise<void> {
    const left = await this.#commands.drain(graceMs);
    if (left > 0)
      this.#log.warn({ code: 'slack_commands_unfinished', left }, 'stopping with slash commands unfinished');
  }

  /** `read` tells the command queue this request has been read (commands wait while requests are). */
  async #handle(req: IncomingMessage, res: ServerResponse, read: () => void): Promise<void> {
    let buffered: BufferedIncomingMessage;
    try {
      buffered = await http.parseAndVerifyHTTPRequest(
        { signingSecret: this.opts.signingSecret, bodyLimit: http.defaultBodyLimit },
        req,
      );
    } catch (err) {
      read();
      if (http.isRawBodyError(err) && (err.type === 'entity.too.large' || err.statusCode === 413)) {
        this.#log.warn({ code: 'slack_request_too_large', limit: err.limit }, 'request body over the limit');
        http.buildNoBodyResponse(res, 413);
        return;
      }
      this.#log.warn(
        { code: 'slack_signature_invalid', reason: (err as Error).message },
        'refused a request to /slack/events that is not signed by Slack',
      );
      http.buildNoBodyResponse(res, 401);
      return;
    }
    read();
    let body: Record<string, unknown>;
    try {
      body = http.parseHTTPRequestBody(buffered);
    } catch (err) {
      this.#log.warn({ code: 'slack_body_malformed', reason: (err as Error).message }, 'malformed body');
      http.buildNoBodyResponse(res, 400);
      return;
    }
    if (body.ssl_check === '1') return http.buildSSLCheckResponse(res);
    if (body.type === 'url_verification') return http.buildUrlVerificationResponse(res, body);
    const retry = {
      retryNum: http.extractRetryNumFromHTTPRequest(req),
      retryReason: http.extractRetryReasonFromHTTPRequest(req),
    };
    if (typeof body.command === 'string') {
      http.buildContentResponse(res, undefined);
      const text = typeof body.text === 'string' ? body.text : undefined;
      const urgent = this.#urgent(body.command, text);
      this.#commands.push({ body, ack: this.#lostAck(body.command), ...retry }, urgent);
      return;
    }
    const ack = new HTTPResponseAck({
      logger: this.#logger,
      processBeforeResponse: false,
      unhandledRequestTimeoutMillis: this.opts.unhandledRequestTimeoutMillis ?? UNHANDLED_REQUEST_TIMEOUT_MS,
      httpRequest: buffered,
      httpRequestBody: body,
      httpResponse: res,
    });
    try {
      await this.#app?.processEvent({ body, ack: ack.bind(), ...retry });
    } catch (err) {
      const acknowledged = await http.defaultProcessEventErrorHandler({
        error: err as Error,
        logger: this.#logger,
        request: req,
        response: res,
        storedResponse: ack.storedResponse,
      });
      if (acknowledged) ack.ack();
    }
  }

  /** A queued command's ack: it was answered already, so a reply given to it would never be seen. */
  #lostAck(command: string): AckFn<unknown> {
    return async (reply) => {
      if (reply === undefined || reply === '') return;
      this.#log.warn(
        { code: 'slack_ack_reply_lost', command },
        'a slash command listener acked with a reply, but the command was acknowledged already: answer through respond() instead',
      );
    };
  }

  async #runCommand(event: ReceiverEvent): Promise<void> {
    try {
      await this.#app?.processEvent(event);
    } catch (err) {
      this.#log.error(
        { err, code: 'slack_command_failed' },
        'a slash command failed after its acknowledgement',
      );
      // Authorization fails before any listener runs, so nobody else tells the person.
      if (err instanceof AuthorizationError) await this.#apologize(event.body.response_url);
    }
  }

  async #apologize(responseUrl: unknown): Promise<void> {
    if (typeof responseUrl !== 'string') return;
    const post = this.opts.fetch ?? fetch;
    try {
      await post(responseUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ response_type: 'ephemeral', ...errorMessage(NOT_AUTHORIZED) }),
      });
    } catch (err) {
      this.#log.warn({ err, code: 'slack_reply_failed' }, 'could not tell the person their command failed');
    }
  }
}
