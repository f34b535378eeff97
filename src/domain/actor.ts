/**
 * Who caused something: a Slack user (id and the display name at that moment, so history reads
 * right even after a rename) or, for pipelines, an API token (its label and owner).
 */
export type Actor =
  | { kind: 'slack'; id: string; name: string }
  | { kind: 'token'; id: string; name: string; ownerId?: string };

export function describeActor(actor: Actor): string {
  // A token label is free text: escaped, so it can never become a mention or a link.
  const label = actor.name
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/`/g, "'");
  return actor.kind === 'slack' ? `<@${actor.id}>` : `pipeline \`${label}\``;
}
