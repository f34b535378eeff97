// Entry point of the local Slack emulator for tests: Web API + Socket Mode server, the driver that
// plays Slack towards the app, and the pure Block Kit validator. Typical use:
//   const slack = await startSlackEmulator();
//   const app = new App({ token: slack.config.botToken, signingSecret: slack.config.signingSecret,
//     clientOptions: { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } } });
//   const driver = new SlackDriver({ emulator: slack, transport: 'http', appUrl: 'http://127.0.0.1:PORT' });
//   const res = await driver.slashCommand({ command: '/jobbot', text: 'run', channel: 'jobs' });
//   res.ack            // what the app acknowledged with (object, or undefined for an empty ack)
//   (await res.answer()).text   // what the person sees: the ack body, or the response_url post
//   await slack.waitForCall('views.open'); await driver.submitView({ values: { 'Job name': 'x' } });
//   const msg = slack.postUserMessage({ channel: 'jobs', user: 'U0ALICE001', text: '',
//     files: [{ name: 'job.yaml', content: 'kind: Job' }] });
//   await driver.messageShortcut({ callbackId: 'create_job_from_yaml', source: msg });

export {
  BLOCK_KIT_LIMITS,
  type BlockOptions,
  type Surface,
  validateMessageBlocks,
  validateView,
} from './block-kit.js';
export {
  type ActionSource,
  type DriverResponse,
  type InteractionResponse,
  type RequestOptions,
  type SentRequest,
  SlackDriver,
  type SlackDriverOptions,
  type SlashAnswer,
  type SlashCommandResponse,
  type Transport,
  type UserValue,
  type ViewSubmissionResponse,
} from './driver.js';
export { signSlackRequest } from './driver-transport.js';
export { eventually } from './eventually.js';
export type { FailOptions, RateLimitOptions } from './faults.js';
export type { UserFile } from './files-store.js';
export { RESPONSE_URL_MAX_USES, RESPONSE_URL_TTL_MS } from './response-url.js';
export { shownLines } from './shown.js';
export { silentLogger } from './silent-logger.js';
export { type DeliverOptions, type Envelope, type EnvelopeType, SocketModeServer } from './socket-mode.js';
export type {
  SlackChannel,
  SlackUser,
  SlackUsergroup,
  StoredEphemeral,
  StoredFile,
  StoredMessage,
  WorkspaceConfig,
} from './state.js';
export {
  type RecordedCall,
  type RecordedDownload,
  SlackEmulator,
  type SlackEmulatorOptions,
  startSlackEmulator,
} from './web-api.js';
export { DEFAULT_WORKSPACE } from './workspace-defaults.js';
