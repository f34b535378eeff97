/**
 * The inputs of one container, shared by the Create/Edit job modal (all fields) and the Dispatch job
 * modal (image, command, args, environment). Block ids are `c<index>.<field>`, which is how both
 * modals read a submission back.
 */
import type { ContainerForm } from '../../domain/definition/index.js';
import { type Block, type TextOptions, textInput } from './blocks.js';

const INPUTS: Record<keyof ContainerForm, { label: string; options: TextOptions }> = {
  name: { label: 'Container name', options: { max: 63, placeholder: 'e.g. main' } },
  image: {
    label: 'Container image',
    options: { max: 500, placeholder: 'e.g. gcr.io/my-project/my-image:tag or mysql:5.7' },
  },
  command: {
    label: 'Command',
    options: {
      optional: true,
      multiline: true,
      max: 3000,
      placeholder: 'e.g. perl',
      hint: 'The program to run: one word per line, or one line split like a shell. Empty: the image default.',
    },
  },
  args: {
    label: 'Args',
    options: { optional: true, multiline: true, max: 3000, hint: 'One argument per line, as written.' },
  },
  ports: {
    label: 'Ports',
    options: {
      optional: true,
      multiline: true,
      max: 1000,
      hint: 'One per line: [NAME=]PORT[/PROTOCOL], e.g. http=8080.',
    },
  },
  volumeMounts: {
    label: 'Volume mounts',
    options: {
      optional: true,
      multiline: true,
      max: 2000,
      hint: 'One per line: VOLUME[/SUBPATH]:/MOUNT/PATH[:ro], e.g. cache:/var/cache. Define the volumes below.',
    },
  },
  env: {
    label: 'Environment variables',
    options: {
      optional: true,
      multiline: true,
      max: 3000,
      hint: 'One per line: KEY=value, or KEY=secret:SECRET/KEY to read a Secret key instead of holding the secret.',
    },
  },
};

export function containerInputs(
  c: ContainerForm,
  index: number,
  fields: readonly (keyof ContainerForm)[],
): Block[] {
  return fields.map((field) =>
    textInput(`c${index}.${field}`, INPUTS[field].label, c[field], INPUTS[field].options),
  );
}
