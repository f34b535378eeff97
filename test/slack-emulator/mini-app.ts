// A tiny Bolt app exercising the flows Jobbot uses (slash command -> modal -> submission with
// validation errors -> message with buttons -> respond(), App Home), so the driver and the emulator
// are proven against real Bolt over both transports.

import { App, type AppOptions } from '@slack/bolt';
import { silentLogger } from '../support/slack/silent-logger.js';
import type { SlackEmulator } from '../support/slack/web-api.js';

const plain = (text: string) => ({ type: 'plain_text' as const, text });

export function runModal(env = 'staging') {
  return {
    type: 'modal' as const,
    callback_id: 'run_job',
    private_metadata: 'C0JOBS0001',
    title: plain('Run a job'),
    submit: plain('Run'),
    close: plain('Cancel'),
    blocks: [
      {
        type: 'actions' as const,
        block_id: 'env',
        elements: [
          {
            type: 'static_select' as const,
            action_id: 'env_select',
            placeholder: plain('Environment'),
            options: ['staging', 'prod'].map((v) => ({ text: plain(v), value: v })),
          },
        ],
      },
      {
        type: 'section' as const,
        block_id: 'env_note',
        text: { type: 'mrkdwn' as const, text: `Target: *${env}*` },
      },
      {
        type: 'input' as const,
        block_id: 'name',
        label: plain('Job name'),
        element: { type: 'plain_text_input' as const, action_id: 'name_input', max_length: 63 },
      },
      {
        type: 'input' as const,
        block_id: 'size',
        label: plain('Size'),
        element: {
          type: 'static_select' as const,
          action_id: 'size_select',
          options: ['small', 'large'].map((v) => ({ text: plain(v.toUpperCase()), value: v })),
        },
      },
      {
        type: 'input' as const,
        block_id: 'notify',
        optional: true,
        label: plain('Notify'),
        element: { type: 'multi_users_select' as const, action_id: 'notify_users' },
      },
    ],
  };
}

export function createMiniApp(emu: SlackEmulator, extra: Partial<AppOptions>): App {
  const app = new App({
    token: emu.config.botToken,
    logger: silentLogger(),
    clientOptions: { slackApiUrl: emu.apiUrl, retryConfig: { retries: 0 } },
    ...extra,
  } as AppOptions);

  app.command('/jobbot', async ({ command, ack, client }) => {
    if (command.text !== 'run') {
      await ack({ response_type: 'ephemeral', text: `unknown: ${command.text}` });
      return;
    }
    await ack();
    await client.views.open({ trigger_id: command.trigger_id, view: runModal() });
  });

  app.action('env_select', async ({ ack, body, client }) => {
    await ack();
    if (body.type !== 'block_actions' || !body.view) return;
    const env =
      body.actions[0]?.type === 'static_select' ? body.actions[0].selected_option?.value : undefined;
    await client.views.update({ view_id: body.view.id, hash: body.view.hash, view: runModal(env) });
  });

  app.view('run_job', async ({ ack, view, client }) => {
    const name = view.state.values.name?.name_input?.value ?? '';
    if (!/^[a-z0-9-]+$/.test(name)) {
      await ack({ response_action: 'errors', errors: { name: 'Use lowercase letters, digits and dashes' } });
      return;
    }
    await ack();
    const size = view.state.values.size?.size_select?.selected_option?.value;
    const notify = view.state.values.notify?.notify_users?.selected_users ?? [];
    await client.chat.postMessage({
      channel: view.private_metadata,
      text: `job ${name} (${size}) queued; notify ${notify.join(',')}`,
      blocks: [
        { type: 'section', text: { type: 'mrkdwn', text: `Job *${name}* queued` } },
        {
          type: 'actions',
          block_id: 'decide',
          elements: [
            { type: 'button', action_id: 'approve', text: plain('Approve'), value: name, style: 'primary' },
            { type: 'button', action_id: 'cancel', text: plain('Cancel'), value: name, style: 'danger' },
          ],
        },
      ],
    });
  });

  app.action('approve', async ({ ack, respond, body }) => {
    await ack();
    await respond({ replace_original: true, text: `approved by <@${body.user.id}>` });
  });

  app.event('app_home_opened', async ({ event, client }) => {
    await client.views.publish({
      user_id: event.user,
      view: {
        type: 'home',
        blocks: [
          { type: 'section', text: { type: 'mrkdwn', text: 'Your jobs' } },
          {
            type: 'actions',
            elements: [{ type: 'button', action_id: 'home_refresh', text: plain('Refresh') }],
          },
        ],
      },
    });
  });

  app.action('home_refresh', async ({ ack, body, client }) => {
    await ack();
    if (body.type !== 'block_actions' || !body.view) return;
    await client.views.publish({
      user_id: body.user.id,
      hash: body.view.hash,
      view: { type: 'home', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'Refreshed' } }] },
    });
  });

  return app;
}
