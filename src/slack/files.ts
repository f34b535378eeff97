/**
 * Reading a file a person shared in Slack: files.info for its private URL, then a download with the
 * bot token. Slack answers a download without a valid token with its sign-in page (HTML, status 200),
 * so an HTML answer is an error, never file content.
 */
import type { webApi } from '@slack/bolt';
import { JobbotError } from '../domain/errors.js';

export async function readSlackFile(
  client: webApi.WebClient,
  token: string,
  fileId: string,
  maxBytes: number,
): Promise<string> {
  const info = await client.files.info({ file: fileId });
  const file = info.file;
  const url = file?.url_private_download ?? file?.url_private;
  if (!file || !url)
    throw new JobbotError(
      'file_unreadable',
      'Slack did not give Jobbot that file; share it again and retry.',
    );
  if ((file.size ?? 0) > maxBytes) {
    throw new JobbotError(
      'file_unreadable',
      `${file.name ?? 'The file'} is ${kib(file.size ?? 0)}; Jobbot reads YAML files up to ${kib(maxBytes)}.`,
    );
  }
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` }, redirect: 'manual' });
  const type = res.headers.get('content-type') ?? '';
  if (!res.ok || type.includes('text/html')) {
    throw new JobbotError(
      'file_unreadable',
      `Jobbot could not download ${file.name ?? 'the file'} from Slack (its app may lack the files:read scope); paste the YAML into the message instead.`,
    );
  }
  const bytes = Buffer.from(await res.arrayBuffer());
  if (bytes.length > maxBytes) {
    throw new JobbotError(
      'file_unreadable',
      `${file.name ?? 'The file'} is ${kib(bytes.length)}; Jobbot reads YAML files up to ${kib(maxBytes)}.`,
    );
  }
  return bytes.toString('utf8');
}

function kib(bytes: number): string {
  return `${Math.ceil(bytes / 1024)} KiB`;
}
