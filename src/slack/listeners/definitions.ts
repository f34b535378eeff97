/**
 * Interactions with definitions: the modal's mode/cluster/container buttons (which redraw it), its
 * submission, and the buttons on show/list/delete messages. Each handler acks, reads the payload and
 * calls the definition service; errors become a sentence for the person.
 */
import type { App, BlockAction, ButtonAction, webApi } from '@slack/bolt';
import { z } from 'zod';
import type { JobTemplate } from '../../domain/definition/index.js';
import type { Logger } from '../../logger.js';
import type { DefinitionDraft, DefinitionService } from '../../services/definitions.js';
import { buildModal, definitionYaml, switchMode, valuesOf } from '../definition-flow.js';
import { errorsByBlock, parseMeta, readValues } from '../definition-state.js';
import { type Respond, replyFailure } from '../interaction.js';
import { modalRedraw } from '../modal-redraw.js';
import type { UserDirectory } from '../users.js';
import {
  ACTION_ADD_CONTAINER,
  ACTION_CLUSTER,
  ACTION_MODE,
  ACTION_REMOVE_CONTAINER,
  DEFINITION_CALLBACK,
  type DefinitionModalMeta,
} from '../views/definition-modal.js';
import {
  ACTION_DELETE_CANCEL,
  ACTION_DELETE_CONFIRM,
  ACTION_EDIT,
  ACTION_LIST_PAGE,
  ACTION_SHOW,
  definitionListMessage,
  definitionShowMessage,
  LIST_PAGE_SIZE,
  notice,
  type Offers,
  savedMessage,
} from '../views/definitions.js';

export interface DefinitionListenerDeps {
  service: DefinitionService;
  users: UserDirectory;
  command: string;
  log: Logger;
  /** The buttons a person may use (the policy's view); all when left out. */
  offersFor?: (userId: string) => Offers;
  /** Throws `forbidden` unless this person may create and change definitions. */
  requireManage?: (userId: string) => void;
}

type ViewState = Parameters<typeof readValues>[0];

export function registerDefinitionListeners(app: App, deps: DefinitionListenerDeps): void {
  const { service, log } = deps;

  // Redraws the modal after a change of mode, cluster or number of containers, keeping what was typed.
  const redraw = modalRedraw({
    read: (view) => {
      const meta = parseMeta(view.private_metadata);
      return [meta, readValues(view.state?.values as ViewState, meta.containers)];
    },
    build: (meta, values, userId) => buildModal(service, meta, values, userId),
  });

  app.action<BlockAction>(
    ACTION_MODE,
    redraw((meta, values, body) => {
      const chosen = (body.actions[0] as { selected_option?: { value?: string } }).selected_option?.value;
      const mode = chosen === 'form' ? 'form' : 'yaml';
      if (mode === meta.mode) return [meta, values];
      const base = meta.editing
        ? (service.find(meta.editing.name)?.template as JobTemplate | undefined)
        : undefined;
      const next = switchMode(values, mode, base);
      return [{ ...meta, mode, containers: next.form.containers.length }, next];
    }),
  );
  app.action<BlockAction>(
    ACTION_CLUSTER,
    redraw((meta, values) => [meta, { ...values, namespace: '' }]),
  );
  app.action<BlockAction>(
    ACTION_ADD_CONTAINER,
    redraw((meta, values) => [{ ...meta, containers: meta.containers + 1 }, values]),
  );
  app.action<BlockAction>(
    ACTION_REMOVE_CONTAINER,
    redraw((meta, values) => {
      const containers = Math.max(1, meta.containers - 1);
      const form = { ...values.form, containers: values.form.containers.slice(0, containers) };
      return [
        { ...meta, containers },
        { ...values, form },
      ];
    }),
  );

  app.view(DEFINITION_CALLBACK, async ({ ack, body, view, client }) => {
    const meta = parseMeta(view.private_metadata);
    const values = readValues(view.state.values as ViewState, meta.containers);
    const blockIds = view.blocks.flatMap((b) => (b.type === 'input' && b.block_id ? [b.block_id] : []));
    const yaml = meta.draftId !== undefined ? service.draft(meta.draftId, body.user.id) : values.yaml;
    if (yaml === undefined) {
      const message =
        'The YAML taken from the message is no longer kept (drafts last a day). Close this and use Create job from YAML on the message again.';
      await ack({
        response_action: 'errors',
        errors: errorsByBlock([{ path: 'cluster', message }], blockIds, meta.mode),
      });
      return;
    }
    const { cluster, namespace, description } = values;
    const draft: DefinitionDraft =
      meta.mode === 'yaml'
        ? { mode: 'yaml', cluster, namespace, description, yaml }
        : { mode: 'form', cluster, namespace, description, name: values.name, form: values.form };
    const actor = await deps.users.actor(body.user.id, body.user.name);
    const result = await service.save(draft, actor, meta.editing);
    if (!result.ok) {
      await ack({ response_action: 'errors', errors: errorsByBlock(result.errors, blockIds, meta.mode) });
      return;
    }
    await ack();
    if (meta.draftId !== undefined) service.dropDraft(meta.draftId);
    const { name, revision } = result.definition;
    log.info({ definition: name, revision, user: actor.id }, 'definition saved');
    await tell(
      client,
      meta.channel,
      body.user.id,
      savedMessage(result.definition, result.created, deps.command),
      log,
    );
  });

  app.action<BlockAction<ButtonAction>>(ACTION_LIST_PAGE, async ({ ack, action, body, respond }) => {
    await ack();
    const offset = Math.max(0, Number.parseInt(action.value ?? '0', 10) || 0);
    const page = service.list({ offset, limit: LIST_PAGE_SIZE });
    await respond({
      replace_original: true,
      response_type: 'ephemeral',
      ...definitionListMessage({ ...page, offset }, deps.command, deps.offersFor?.(body.user.id)),
    });
  });

  app.action<BlockAction<ButtonAction>>(ACTION_SHOW, async ({ ack, action, body, respond }) => {
    await ack();
    await answer(respond, log, () => {
      const def = service.get(action.value ?? '');
      const offers = deps.offersFor?.(body.user.id);
      return {
        response_type: 'ephemeral',
        replace_original: false,
        ...definitionShowMessage(def, definitionYaml(def, offers?.mask), deps.command, offers),
      };
    });
  });

  app.action<BlockAction<ButtonAction>>(ACTION_EDIT, async ({ ack, action, body, client, respond }) => {
    await ack();
    await answer(respond, log, async () => {
      // A button shown earlier is no permission: asked again before the modal opens.
      deps.requireManage?.(body.user.id);
      const def = service.get(action.value ?? '');
      const values = valuesOf(def);
      const meta: DefinitionModalMeta = {
        mode: def.source,
        containers: values.form.containers.length,
        editing: { name: def.name, revision: def.revision },
        channel: body.channel?.id ?? body.user.id,
      };
      await client.views.open({
        trigger_id: body.trigger_id,
        view: await buildModal(service, meta, values, body.user.id),
      });
      return undefined;
    });
  });

  app.action<BlockAction<ButtonAction>>(ACTION_DELETE_CONFIRM, async ({ ack, action, body, respond }) => {
    await ack();
    await answer(respond, log, async () => {
      const target = z.object({ name: z.string(), id: z.number() }).parse(JSON.parse(action.value ?? '{}'));
      const actor = await deps.users.actor(body.user.id, body.user.name);
      const def = service.delete(target.name, actor, target.id);
      log.info({ definition: def.name, user: actor.id }, 'definition deleted');
      return { replace_original: true, ...notice(`Deleted job ${def.name}. Its history stays.`) };
    });
  });

  app.action<BlockAction<ButtonAction>>(ACTION_DELETE_CANCEL, async ({ ack, action, respond }) => {
    await ack();
    await respond({ replace_original: true, ...notice(`Kept job ${action.value ?? ''}.`) });
  });
}

/** Runs a button's work and shows its result, or the error as a sentence. */
async function answer(respond: Respond, log: Logger, work: () => unknown): Promise<void> {
  try {
    const reply = await work();
    if (reply) await respond(reply as Record<string, unknown>);
  } catch (err) {
    await replyFailure(respond, err, log, 'interaction');
  }
}

/** A private note to the person where they worked; a DM if Jobbot cannot post there. */
async function tell(
  client: webApi.WebClient,
  channel: string,
  user: string,
  body: { text: string; blocks: unknown[] },
  log: Logger,
): Promise<void> {
  try {
    await client.chat.postEphemeral({ channel, user, text: body.text, blocks: body.blocks as never });
  } catch (err) {
    log.debug({ err, channel }, 'ephemeral failed; sending a direct message');
    await client.chat
      .postMessage({ channel: user, text: body.text, blocks: body.blocks as never })
      .catch((e: unknown) => {
        log.warn({ err: e }, 'could not tell the user');
      });
  }
}
