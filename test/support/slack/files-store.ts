// Files as Slack describes and serves them: the file object put in messages, files.info and upload
// answers, files shared by users in a message (subtype file_share), and the private download URLs.
// url_private / url_private_download point at this emulator (/files-pri/<team>-<file id>/...), and,
// as on files.slack.com, they need `Authorization: Bearer <token>`: without a valid one Slack does not
// answer 401 but redirects to the workspace's sign-in page, so a client that does not check the
// content-type ends up with HTML where it expected the file.

import { createHash } from 'node:crypto';
import { randomId, type SlackState, type StoredFile, type StoredMessage } from './state.js';

interface FileType {
  filetype: string;
  mimetype: string;
  prettyType: string;
}

// Slack's filetype is its own name, not the extension ("text" for .txt), as seen in real file objects.
const FILE_TYPES: Record<string, FileType> = {
  txt: { filetype: 'text', mimetype: 'text/plain', prettyType: 'Plain Text' },
  log: { filetype: 'text', mimetype: 'text/plain', prettyType: 'Plain Text' },
  yaml: { filetype: 'yaml', mimetype: 'text/plain', prettyType: 'YAML' },
  yml: { filetype: 'yaml', mimetype: 'text/plain', prettyType: 'YAML' },
  json: { filetype: 'json', mimetype: 'application/json', prettyType: 'JSON' },
  csv: { filetype: 'csv', mimetype: 'text/csv', prettyType: 'CSV' },
  png: { filetype: 'png', mimetype: 'image/png', prettyType: 'PNG' },
  jpg: { filetype: 'jpg', mimetype: 'image/jpeg', prettyType: 'JPEG' },
  jpeg: { filetype: 'jpg', mimetype: 'image/jpeg', prettyType: 'JPEG' },
  gif: { filetype: 'gif', mimetype: 'image/gif', prettyType: 'GIF' },
  pdf: { filetype: 'pdf', mimetype: 'application/pdf', prettyType: 'PDF' },
};
const BINARY: FileType = { filetype: 'binary', mimetype: 'application/octet-stream', prettyType: 'Binary' };

function typeOf(file: StoredFile): FileType {
  const ext = file.filename.includes('.') ? (file.filename.split('.').pop() ?? '').toLowerCase() : '';
  const known = FILE_TYPES[ext] ?? BINARY;
  const byFiletype = Object.values(FILE_TYPES).find((t) => t.filetype === file.filetype);
  return {
    filetype: file.filetype ?? known.filetype,
    mimetype: file.mimetype ?? byFiletype?.mimetype ?? known.mimetype,
    // An unlisted filetype override gets its name upper-cased as pretty_type, like Slack's "YAML".
    prettyType: byFiletype?.prettyType ?? (file.filetype ? file.filetype.toUpperCase() : known.prettyType),
  };
}

export const FILES_PATH = '/files-pri/';

function fileUrls(state: SlackState, file: StoredFile): { urlPrivate: string; urlDownload: string } {
  const base = `${state.baseUrl}${FILES_PATH}${state.config.teamId}-${file.id}`;
  const name = encodeURIComponent(file.filename);
  return { urlPrivate: `${base}/${name}`, urlDownload: `${base}/download/${name}` };
}

/** Where the file is shared, split the way Slack lists it: public channels, private ones, IMs. */
function sharedIn(
  state: SlackState,
  file: StoredFile,
): { channels: string[]; groups: string[]; ims: string[] } {
  const lists = { channels: [] as string[], groups: [] as string[], ims: [] as string[] };
  const channel = file.channel ? state.channels.get(file.channel) : undefined;
  if (!file.channel) return lists;
  if (channel?.isIm) lists.ims.push(file.channel);
  else if (channel?.isPrivate) lists.groups.push(file.channel);
  else lists.channels.push(file.channel);
  return lists;
}

function secretOf(id: string): string {
  return createHash('sha256').update(id).digest('hex').slice(0, 10);
}

/** The file object as Slack puts it in messages and upload answers. */
export function fileObject(state: SlackState, file: StoredFile): Record<string, unknown> {
  const cfg = state.config;
  const type = typeOf(file);
  const created = file.created ?? Math.floor(state.now() / 1000);
  const user = file.user ?? cfg.botUserId;
  const { urlPrivate, urlDownload } = fileUrls(state, file);
  const name = encodeURIComponent(file.filename);
  const permalink = `https://${cfg.teamDomain}.slack.com/files/${user}/${file.id}/${name}`;
  const channel = file.channel ? state.channels.get(file.channel) : undefined;
  const snippet = file.mode === 'snippet';
  return {
    id: file.id,
    created,
    timestamp: created,
    name: file.filename,
    title: file.title ?? file.filename,
    mimetype: type.mimetype,
    filetype: type.filetype,
    pretty_type: type.prettyType,
    user,
    user_team: cfg.teamId,
    editable: snippet,
    size: file.content?.length ?? file.declaredLength,
    mode: file.mode ?? 'hosted',
    is_external: false,
    external_type: '',
    is_public: channel !== undefined && !channel.isPrivate && !channel.isIm,
    public_url_shared: false,
    display_as_bot: false,
    username: '',
    url_private: urlPrivate,
    url_private_download: urlDownload,
    permalink,
    // The public link's last part is a secret; derived from the id so it is stable per file.
    permalink_public: `https://slack-files.com/${cfg.teamId}-${file.id}-${secretOf(file.id)}`,
    ...(snippet ? { edit_link: `${permalink}/edit` } : {}),
    ...sharedIn(state, file),
    ...(file.altText ? { alt_txt: file.altText } : {}),
    has_rich_preview: false,
    file_access: 'visible',
  };
}

/** files.info's richer object: the message form plus where it was shared and the comment count. */
export function fileInfoObject(state: SlackState, file: StoredFile): Record<string, unknown> {
  const object = fileObject(state, file);
  const channel = file.channel ? state.channels.get(file.channel) : undefined;
  if (!file.channel || !file.messageTs) return { ...object, shares: {}, comments_count: 0 };
  const share = {
    reply_users: [],
    reply_users_count: 0,
    reply_count: 0,
    ts: file.messageTs,
    ...(file.threadTs ? { thread_ts: file.threadTs } : {}),
    channel_name: channel?.isIm ? file.channel : (channel?.name ?? file.channel),
    team_id: state.config.teamId,
    share_user_id: file.user ?? state.config.botUserId,
  };
  const scope = channel?.isPrivate || channel?.isIm ? 'private' : 'public';
  return { ...object, shares: { [scope]: { [file.channel]: [share] } }, comments_count: 0 };
}

export interface UserFile {
  name: string;
  content: string | Buffer;
  title?: string;
  /** Slack's filetype ("text", "yaml", "json"...); by default derived from the name's extension. */
  filetype?: string;
  mimetype?: string;
  /** "snippet" for a text snippet created in Slack (editable); "hosted" (default) for an uploaded file. */
  mode?: 'hosted' | 'snippet';
}

/** A human shares files in a message: the files are stored and the message gets subtype file_share. */
export function shareUserFiles(
  state: SlackState,
  p: { channel: string; user: string; text: string; threadTs?: string; files: UserFile[] },
): StoredMessage {
  const ts = state.nextTs();
  const created = Math.floor(state.now() / 1000);
  const stored = p.files.map((f): StoredFile => {
    const content = typeof f.content === 'string' ? Buffer.from(f.content, 'utf8') : Buffer.from(f.content);
    const file: StoredFile = {
      id: randomId('F'),
      filename: f.name,
      declaredLength: content.length,
      content,
      completed: true,
      channel: p.channel,
      user: p.user,
      created,
      messageTs: ts,
      ...(f.title !== undefined ? { title: f.title } : {}),
      ...(f.filetype !== undefined ? { filetype: f.filetype } : {}),
      ...(f.mimetype !== undefined ? { mimetype: f.mimetype } : {}),
      ...(f.mode !== undefined ? { mode: f.mode } : {}),
      ...(p.threadTs ? { threadTs: p.threadTs } : {}),
    };
    state.files.set(file.id, file);
    return file;
  });
  return state.addMessage({
    channel: p.channel,
    ts,
    subtype: 'file_share',
    user: p.user,
    text: p.text,
    files: stored.map((f) => fileObject(state, f)),
    upload: true,
    display_as_bot: false,
    ...(p.threadTs ? { thread_ts: p.threadTs } : {}),
  });
}

/** What the emulator answers to GET /files-pri/...: the bytes, the sign-in redirect, or 404. */
export type DownloadAnswer =
  | { kind: 'file'; file: StoredFile; body: Buffer; headers: Record<string, string> }
  | { kind: 'login'; location: string }
  | { kind: 'missing' };

export function answerDownload(
  state: SlackState,
  path: string,
  token: string | undefined,
): DownloadAnswer & { fileId?: string } {
  const match = /^\/files-pri\/[^/-]+-(F[A-Z0-9]+)\/(download\/)?[^/]+$/.exec(path);
  const fileId = match?.[1];
  // Files need a token of the workspace that can read files: the bot token (an app-level token can't).
  if (token !== state.config.botToken) {
    const location = `${state.baseUrl}/?redir=${encodeURIComponent(path)}`;
    return { kind: 'login', location, ...(fileId ? { fileId } : {}) };
  }
  const file = fileId ? state.files.get(fileId) : undefined;
  if (!file?.completed || !file.content) return { kind: 'missing', ...(fileId ? { fileId } : {}) };
  const type = typeOf(file);
  const headers: Record<string, string> = {
    'content-type': type.mimetype,
    'content-length': String(file.content.length),
  };
  if (match?.[2]) {
    headers['content-disposition'] =
      `attachment; filename="${file.filename.replace(/"/g, '')}"; filename*=UTF-8''${encodeURIComponent(file.filename)}`;
  }
  return { kind: 'file', file, body: file.content, headers, fileId: file.id };
}

/** The body of files.slack.com's redirect (an Express-style "Found" link, as clients report seeing). */
export function redirectBody(location: string): string {
  return `<a href="${location.replace(/&/g, '&amp;').replace(/"/g, '&quot;')}">Found</a>.`;
}

/** A trimmed-down Slack sign-in page: HTML with status 200, which is what a token-less download gets. */
export function signInPage(state: SlackState): string {
  const domain = state.config.teamDomain;
  return (
    '<!DOCTYPE html><html lang="en-US"><head><meta charset="utf-8">' +
    `<title>Sign in to ${state.config.teamName} | Slack</title></head><body>` +
    `<h1>Sign in to ${state.config.teamName}</h1><p>${domain}.slack.com</p>` +
    '<form id="signin_form" method="post" action="/"><input type="email" name="email">' +
    '<input type="password" name="password"><button type="submit">Sign in</button></form>' +
    '</body></html>'
  );
}
