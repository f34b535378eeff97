// The external file upload flow that replaced files.upload: files.getUploadURLExternal {filename,
// length} -> POST the bytes to upload_url (served by this emulator) -> files.completeUploadExternal
// {files: [{id, title}], channel_id, thread_ts, initial_comment}, which shares the file in the channel.
// Uploaded bytes are kept so tests can read what the app sent. files.info describes any stored file
// (uploaded by the app or shared by a user).

import { fail, type MethodHandler, ok } from './api-types.js';
import { fileInfoObject, fileObject } from './files-store.js';
import { asString } from './http-util.js';
import { randomId, type SlackState, type StoredFile } from './state.js';

const getUploadUrl: MethodHandler = ({ state, args, baseUrl }) => {
  const filename = asString(args.filename);
  if (!filename) return fail('invalid_arguments', ['missing required field: filename']);
  if (args.length === undefined) return fail('invalid_arguments', ['missing required field: length']);
  const length = Number(args.length);
  if (!Number.isInteger(length) || length < 0) return fail('invalid_arguments', ['invalid `length`']);
  // Slack documents missing_argument for a length of 0.
  if (length === 0) return fail('missing_argument');
  const altText = asString(args.alt_text ?? args.alt_txt);
  if (altText && altText.length > 1000) return fail('alt_txt_too_large');
  const id = randomId('F');
  const snippetType = asString(args.snippet_type);
  state.files.set(id, {
    id,
    filename,
    declaredLength: length,
    completed: false,
    ...(altText ? { altText } : {}),
    ...(snippetType ? { snippetType } : {}),
  });
  return ok({ upload_url: `${baseUrl}/upload/v1/${id}`, file_id: id });
};

/** Stores the bytes POSTed to an upload_url; answers as files.slack.com does ("OK - <bytes>"). */
export function receiveUpload(
  state: SlackState,
  fileId: string,
  content: Buffer,
): { status: number; text: string } {
  const file = state.files.get(fileId);
  if (!file || file.completed) return { status: 404, text: 'file_not_found' };
  file.content = content;
  return { status: 200, text: `OK - ${content.length}` };
}

const completeUpload: MethodHandler = ({ state, args, malformed }) => {
  if (malformed.includes('files') || !Array.isArray(args.files) || args.files.length === 0) {
    return fail('invalid_arguments', ['missing required field: files']);
  }
  const entries = args.files as Array<{ id?: unknown; title?: unknown }>;
  const files: StoredFile[] = [];
  for (const entry of entries) {
    const file = typeof entry?.id === 'string' ? state.files.get(entry.id) : undefined;
    // No bytes, or not the announced number of bytes: the upload ticket does not match a file.
    if (!file || file.completed || !file.content || file.content.length !== file.declaredLength) {
      return fail('file_not_found');
    }
    files.push(file);
  }
  const channelRef = asString(args.channel_id) ?? asString(args.channels);
  const channel = channelRef ? state.channels.get(channelRef) : undefined;
  if (channelRef && !channel) return fail('channel_not_found');
  if (channel && !channel.isIm && channel.botIsMember === false) return fail('not_in_channel');
  const threadTs = asString(args.thread_ts);
  const comment = asString(args.initial_comment);
  const ts = channel ? state.nextTs() : undefined;
  entries.forEach((entry, i) => {
    const file = files[i] as StoredFile;
    file.completed = true;
    file.created = Math.floor(state.now() / 1000);
    if (ts) file.messageTs = ts;
    if (typeof entry.title === 'string') file.title = entry.title;
    if (channel) file.channel = channel.id;
    if (threadTs) file.threadTs = threadTs;
    if (comment) file.initialComment = comment;
  });
  const objects = files.map((f) => fileObject(state, f));
  if (channel) {
    state.addMessage({
      channel: channel.id,
      ts,
      ...state.botMessageFields(),
      text: comment ?? '',
      files: objects,
      ...(threadTs ? { thread_ts: threadTs } : {}),
    });
  }
  return ok({ files: objects });
};

// Comments are paginated by files.info; nobody comments on files here, so the list is always empty.
const info: MethodHandler = ({ state, args }) => {
  const id = asString(args.file);
  if (!id) return fail('invalid_arguments', ['missing required field: file']);
  const file = state.files.get(id);
  // A file whose upload was never completed does not exist for anyone yet.
  if (!file?.completed) return fail('file_not_found');
  return ok({ file: fileInfoObject(state, file), comments: [], response_metadata: { next_cursor: '' } });
};

export const fileMethods: Record<string, MethodHandler> = {
  'files.getUploadURLExternal': getUploadUrl,
  'files.completeUploadExternal': completeUpload,
  'files.info': info,
};
