/**
 * Dispatches: the pure rules for running a definition once and following it to the end. Read the
 * `/job run` values (parse-overrides.ts) and show them (format-overrides.ts), derive a dispatch's
 * status from its Job and pods (observe.ts), move it through its states (state.ts), turn changes into
 * thread messages (timeline.ts) and a verdict (verdict.ts), and cut logs to size (logs.ts, and
 * log-window.ts for a log read as a stream).
 * No Slack, Kubernetes client or database code lives here.
 *
 * Glossary:
 * - dispatch: one run of a definition, numbered per definition; its Job is `<definition>-<number>`.
 * - observation: what the cluster shows of the dispatch at one moment (plain JSON, storable).
 * - state: where Jobbot is with the dispatch, including the parts Kubernetes does not see
 *   (creating it, gathering logs, deleting it).
 */
export {
  formatOverrides,
  formatOverrideWords,
  type OverrideChange,
  overridesAgainst,
} from './format-overrides.js';
export type {
  ConditionLike,
  ContainerStateLike,
  ContainerStatusLike,
  JobLike,
  MetadataLike,
  PodLike,
  Timestamp,
} from './kube-types.js';
export { LogWindow, MIN_CAP as MIN_LOG_CAP } from './log-window.js';
export {
  type CappedLog,
  capLog,
  escapeMrkdwn,
  type LogTail,
  logTail,
  normalizeLog,
  SLACK_SECTION_MAX,
  slackLogSnippet,
  stripAnsi,
} from './logs.js';
export {
  type ContainerExit,
  DEFAULT_BACKOFF_LIMIT,
  type DispatchObservation,
  type DispatchPhase,
  type DispatchWarning,
  deriveStatus,
  type FailureReason,
  type PodSummary,
  type WarningReason,
} from './observe.js';
export { OVERRIDE_KEYS, type ParsedRun, parseOverrides } from './parse-overrides.js';
export {
  applyRunOverrides,
  type RestartPolicy,
  type RunOverrides,
  renderRunJob,
} from './run-overrides.js';
export {
  DISPATCH_STATES,
  type DispatchEvent,
  type DispatchState,
  type DispatchStateName,
  isTerminal,
  type Outcome,
  type TransitionResult,
  transition,
} from './state.js';
export { type TimelineEvent, type TimelineKind, timelineFor } from './timeline.js';
export {
  type FinalOutcome,
  formatDuration,
  observationVerdict,
  type VerdictContext,
  verdictText,
} from './verdict.js';
