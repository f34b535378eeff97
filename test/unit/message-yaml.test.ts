import { describe, expect, it } from 'vitest';
import { unescapeSlack, yamlFileOf, yamlFromMessageText } from '../../src/slack/message-yaml.js';

describe('YAML from a Slack message', () => {
  it('takes the code block and undoes Slack escaping and links', () => {
    const text =
      'Here it is:\n```apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: pi\nspec:\n  template:\n    spec:\n      containers:\n      - name: pi\n        image: <http://gcr.io/x/y:1|gcr.io/x/y:1>\n        args: ["a &amp;&amp; b", "&lt;in&gt;"]\n```\nthanks';
    const yaml = yamlFromMessageText(text)!;
    expect(yaml.startsWith('apiVersion: batch/v1\n')).toBe(true);
    expect(yaml).toContain('image: gcr.io/x/y:1');
    expect(yaml).toContain('"a && b", "<in>"');
    expect(yaml).not.toContain('thanks');
  });

  it('takes plain text that is YAML', () => {
    expect(yamlFromMessageText('apiVersion: batch/v1\nkind: Job\n')).toBe(
      'apiVersion: batch/v1\nkind: Job\n',
    );
  });

  it('finds nothing in an ordinary message', () => {
    expect(yamlFromMessageText('could someone run the pi job?')).toBeUndefined();
  });

  it('unescapes mailto links and bare URLs', () => {
    expect(unescapeSlack('<mailto:a@b.c|a@b.c> <https://x.y/z>')).toBe('a@b.c https://x.y/z');
  });

  it('picks the first .yaml or .yml file', () => {
    expect(
      yamlFileOf([
        { id: 'F1', name: 'notes.txt' },
        { id: 'F2', name: 'job.YML' },
      ])?.id,
    ).toBe('F2');
    expect(yamlFileOf([{ id: 'F1', name: 'notes.txt' }])).toBeUndefined();
    expect(yamlFileOf(undefined)).toBeUndefined();
  });
});
