/**
 * A block action inside a modal that redraws it from what was typed (a mode switch, Add container,
 * Add stage): read the view's meta and values, change them, and update the view in place. The
 * definition and pipeline modals differ only in how they read and build their view.
 */
import type { BlockAction, types, ViewOutput, webApi } from '@slack/bolt';
import type { Logger } from '../logger.js';

export interface RedrawableModal<M, V> {
  read(view: ViewOutput): [M, V];
  build(meta: M, values: V, userId: string): types.ModalView | Promise<types.ModalView>;
  /** When given, a refused update is logged here instead of failing the listener. */
  log?: Logger;
}

export function modalRedraw<M, V>(modal: RedrawableModal<M, V>) {
  return (change: (meta: M, values: V, body: BlockAction) => [M, V]) =>
    async ({
      ack,
      body,
      client,
    }: {
      ack: () => Promise<void>;
      body: BlockAction;
      client: webApi.WebClient;
    }) => {
      await ack();
      const view = body.view;
      if (!view) return;
      const [meta, values] = modal.read(view);
      const [nextMeta, nextValues] = change(meta, values, body);
      const update = client.views.update({
        view_id: view.id,
        hash: view.hash,
        view: await modal.build(nextMeta, nextValues, body.user.id),
      });
      if (modal.log)
        await update.catch((err: unknown) => modal.log?.warn({ err }, 'could not redraw a modal'));
      else await update;
    };
}
