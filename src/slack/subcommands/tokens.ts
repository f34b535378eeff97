/**
 * `/job token create LABEL [--jobs PATTERN]`, `/job token list`, `/job token revoke LABEL`: API tokens
 * for CI pipelines. Replies are ephemeral acks, so a new secret is seen only by the person who made it.
 */
import { JobbotError } from '../../domain/errors.js';
import type { TokenService } from '../../services/tokens.js';
import type { CommandContext, Subcommand } from '../commands.js';
import type { UserDirectory } from '../users.js';

const code = (s: string) => `\`${s.replace(/`/g, "'")}\``;

export function tokenSubcommand(tokens: TokenService, users: UserDirectory): Subcommand {
  const usage = (ctx: CommandContext) =>
    new JobbotError(
      'usage',
      `Use \`${ctx.command} token create LABEL [--jobs PATTERN]\`, \`${ctx.command} token list\` or \`${ctx.command} token revoke LABEL\`.`,
    );
  return {
    name: 'token',
    requires: { kind: 'token.manage' },
    usage: 'token create LABEL [--jobs PATTERN] | list | revoke LABEL',
    summary: 'API tokens for CI pipelines, optionally limited to jobs matching a pattern such as `deploy-*`.',
    handle: async (ctx) => {
      const [verb, ...rest] = ctx.args;
      if (verb === 'list' && rest.length === 0) {
        const list = tokens.list();
        const lines = list.map(
          (t) =>
            `• ${code(t.label)} jobs ${code(t.jobPattern)}, created by <@${t.createdBy.id}> ${t.createdAt.slice(0, 10)}`,
        );
        await ctx.ack({
          response_type: 'ephemeral',
          text:
            list.length === 0 ? 'There are no active API tokens.' : `Active API tokens:\n${lines.join('\n')}`,
        });
        return;
      }
      const label = rest[0];
      if (verb === 'create' && label) {
        const flags = rest.slice(1);
        let pattern = '*';
        if (flags.length > 0) {
          if (flags[0] !== '--jobs' || flags.length !== 2 || !flags[1]) throw usage(ctx);
          pattern = flags[1];
        }
        const actor = await users.actor(ctx.body.user_id, ctx.body.user_name);
        const { secret } = tokens.create(actor, label, pattern);
        await ctx.ack({
          response_type: 'ephemeral',
          text: [
            `Created API token ${code(label)} for jobs matching ${code(pattern)}:`,
            `\`\`\`${secret}\`\`\``,
            ':warning: Store it now in your CI secrets (e.g. `JOBBOT_TOKEN`): it is shown only this once and cannot be recovered.',
            `Revoke it with \`${ctx.command} token revoke ${label}\`.`,
          ].join('\n'),
        });
        return;
      }
      if (verb === 'revoke' && label && rest.length === 1) {
        const actor = await users.actor(ctx.body.user_id, ctx.body.user_name);
        tokens.revoke(actor, label);
        await ctx.ack({
          response_type: 'ephemeral',
          text: `Revoked API token ${code(label)}; pipelines using it now get 401.`,
        });
        return;
      }
      throw usage(ctx);
    },
  };
}
