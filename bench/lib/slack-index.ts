/**
 * What Slack received about each dispatch, read from the emulator's call log: the status message
 * (top-level, text "NAME #N: …"), its updates, its thread replies and the files shared into its
 * thread, each with the time Slack accepted it. Calls Slack refused (429) are not deliveries.
 */
import type { RecordedCall, SlackEmulator } from '../../test/support/slack/index.js';

export interface Delivery {
  at: number;
  text: string;
}

export interface DispatchMessages {
  number: number;
  definition: string;
  channel: string;
  ts: string;
  postedAt: number;
  updates: Delivery[];
  replies: Delivery[];
  files: Delivery[];
}

const ok = (c: RecordedCall) => c.status === 200 && (c.response as { ok?: boolean }).ok === true;

export function indexDeliveries(slack: SlackEmulator): Map<number, DispatchMessages> {
  const byTs = new Map<string, DispatchMessages>();
  const byNumber = new Map<number, DispatchMessages>();
  for (const c of slack.calls) {
    if (!ok(c)) continue;
    const text = String(c.args.text ?? '');
    if (c.method === 'chat.postMessage' && !c.args.thread_ts) {
      const m = /^(\S+) #(\d+): /.exec(text);
      const ts = (c.response as { ts?: string }).ts;
      if (!m || !ts) continue;
      const d: DispatchMessages = {
        number: Number(m[2]),
        definition: m[1]!,
        channel: String((c.response as { channel?: string }).channel ?? c.args.channel),
        ts,
        postedAt: c.time,
        updates: [],
        replies: [],
        files: [],
      };
      byTs.set(ts, d);
      byNumber.set(d.number, d);
    } else if (c.method === 'chat.update') {
      byTs.get(String(c.args.ts))?.updates.push({ at: c.time, text });
    } else if (c.method === 'chat.postMessage') {
      byTs.get(String(c.args.thread_ts))?.replies.push({ at: c.time, text });
    } else if (c.method === 'files.completeUploadExternal') {
      const files = (c.args.files as { title?: string }[] | undefined) ?? [];
      byTs.get(String(c.args.thread_ts))?.files.push({ at: c.time, text: String(files[0]?.title ?? '') });
    }
  }
  return byNumber;
}

/** The verdict reply: the thread reply that starts with the outcome. */
export function verdictReply(d: DispatchMessages): Delivery | undefined {
  return d.replies.find((r) => /^(Succeeded|Failed|Cancelled)/.test(r.text));
}

/** The first update of the status message that shows the verdict. */
export function finalUpdate(d: DispatchMessages): Delivery | undefined {
  return d.updates.find((u) => /: (Succeeded|Failed|Cancelled)/.test(u.text));
}
