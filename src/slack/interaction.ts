/**
 * How a failed interaction (a button, a shortcut) is answered: a JobbotError's own sentence, or for
 * Slack rate-limiting the call or a form's trigger expiring a sentence saying so, or for anything else
 * a generic apology while the error goes to the log. One place, so every door answers the same way.
 */
import { webApi } from '@slack/bolt';
import { isJobbotError } from '../domain/errors.js';
import type { Logger } from '../logger.js';
import { slackError } from './delivery-loop.js';
import { errorMessage } from './views/help.js';

export type Respond = (message: Record<string, unknown>) => Promise<unknown>;

export const GENERIC_FAILURE = "Something went wrong on Jobbot's side; it is in Jobbot's log. Try again.";
export const SLACK_BUSY =
  'Slack is limiting how fast Jobbot may call it right now. Try again in a few seconds.';
export const FORM_TOO_LATE =
  'Jobbot was too busy to open the form within the 3 seconds Slack allows. Nothing was changed; try again.';

/**
 * The sentence for the person; unexpected errors are logged with `what` failed, and answered with
 * `generic`.
 */
export function failureSentence(err: unknown, log: Logger, what: string, generic = GENERIC_FAILURE): string {
  if (isJobbotError(err)) return err.userMessage;
  if (isSlackRateLimited(err)) {
    log.warn({ what }, `${what}: Slack rate-limited the call`);
    return SLACK_BUSY;
  }
  // views.open after the trigger's 3 s (a long queue of commands): nothing was opened, nothing is lost.
  if (slackError(err) === 'expired_trigger_id') {
    log.warn({ what }, `${what}: the form's trigger expired before Jobbot opened it`);
    return FORM_TOO_LATE;
  }
  log.error({ err }, `${what} failed`);
  return generic;
}

/** Tells the person privately why their interaction failed. */
export async function replyFailure(respond: Respond, err: unknown, log: Logger, what: string): Promise<void> {
  await respond({
    response_type: 'ephemeral',
    replace_original: false,
    ...errorMessage(failureSentence(err, log, what)),
  });
}

/** Slack answered 429 (the listeners' client rejects rate-limited calls at once: a person is waiting). */
function isSlackRateLimited(err: unknown): boolean {
  return (err as { code?: string } | undefined)?.code === webApi.ErrorCode.RateLimitedError;
}
