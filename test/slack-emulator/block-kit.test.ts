// Table-driven checks of the Block Kit validator: each documented limit passes at the limit and fails
// one past it with Slack's wording and JSON pointer.

import { describe, expect, it } from 'vitest';
import { validateMessageBlocks, validateView } from '../support/slack/block-kit.js';

const s = (n: number, ch = 'a') => ch.repeat(n);
const plain = (text: string) => ({ type: 'plain_text', text });
const mrkdwn = (text: string) => ({ type: 'mrkdwn', text });
const section = (text: string) => ({ type: 'section', text: mrkdwn(text) });
const button = (over: Record<string, unknown> = {}) => ({
  type: 'button',
  text: plain('Go'),
  action_id: 'go',
  ...over,
});
const option = (text: string, value: string) => ({ text: plain(text), value });
const options = (n: number) => Array.from({ length: n }, (_, i) => option(`o${i}`, `v${i}`));
const input = (element: Record<string, unknown>, over: Record<string, unknown> = {}) => ({
  type: 'input',
  block_id: 'in',
  label: plain('Name'),
  element,
  ...over,
});
const modal = (over: Record<string, unknown> = {}) => ({
  type: 'modal',
  title: plain('Run a job'),
  submit: plain('Run'),
  blocks: [section('hi')],
  ...over,
});

describe('validateMessageBlocks', () => {
  const failing: Array<[string, unknown[], string]> = [
    [
      '51 blocks',
      Array.from({ length: 51 }, () => ({ type: 'divider' })),
      'no more than 50 items allowed [json-pointer:/blocks]',
    ],
    [
      'section text 3001',
      [section(s(3001))],
      'must be less than 3001 characters [json-pointer:/blocks/0/text/text]',
    ],
    [
      'section without text or fields',
      [{ type: 'section' }],
      'must define either `text` or `fields` [json-pointer:/blocks/0/type]',
    ],
    [
      '11 section fields',
      [{ type: 'section', fields: Array.from({ length: 11 }, () => mrkdwn('f')) }],
      'no more than 10 items allowed [json-pointer:/blocks/0/fields]',
    ],
    [
      'section field 2001',
      [{ type: 'section', fields: [mrkdwn(s(2001))] }],
      'must be less than 2001 characters [json-pointer:/blocks/0/fields/0/text]',
    ],
    [
      'header 151',
      [{ type: 'header', text: plain(s(151)) }],
      'must be less than 151 characters [json-pointer:/blocks/0/text/text]',
    ],
    [
      'header mrkdwn',
      [{ type: 'header', text: mrkdwn('x') }],
      'must be a valid enum value [json-pointer:/blocks/0/text/type]',
    ],
    [
      '11 context elements',
      [{ type: 'context', elements: Array.from({ length: 11 }, () => mrkdwn('c')) }],
      'no more than 10 items allowed [json-pointer:/blocks/0/elements]',
    ],
    [
      '26 actions elements',
      [{ type: 'actions', elements: Array.from({ length: 26 }, (_, i) => button({ action_id: `b${i}` })) }],
      'no more than 25 items allowed [json-pointer:/blocks/0/elements]',
    ],
    [
      'button text 76',
      [{ type: 'actions', elements: [button({ text: plain(s(76)) })] }],
      'must be less than 76 characters [json-pointer:/blocks/0/elements/0/text/text]',
    ],
    [
      'button value 2001',
      [{ type: 'actions', elements: [button({ value: s(2001) })] }],
      'must be less than 2001 characters [json-pointer:/blocks/0/elements/0/value]',
    ],
    [
      'button url 3001',
      [{ type: 'actions', elements: [button({ url: s(3001) })] }],
      'must be less than 3001 characters [json-pointer:/blocks/0/elements/0/url]',
    ],
    [
      'option text 76',
      [
        {
          type: 'actions',
          elements: [{ type: 'static_select', action_id: 's', options: [option(s(76), 'v')] }],
        },
      ],
      'must be less than 76 characters [json-pointer:/blocks/0/elements/0/options/0/text/text]',
    ],
    [
      'option value 76',
      [
        {
          type: 'actions',
          elements: [{ type: 'static_select', action_id: 's', options: [option('t', s(76))] }],
        },
      ],
      'must be less than 76 characters [json-pointer:/blocks/0/elements/0/options/0/value]',
    ],
    [
      'static_select 101 options',
      [{ type: 'actions', elements: [{ type: 'static_select', action_id: 's', options: options(101) }] }],
      'no more than 100 items allowed [json-pointer:/blocks/0/elements/0/options]',
    ],
    [
      'checkboxes 11 options',
      [{ type: 'actions', elements: [{ type: 'checkboxes', action_id: 'c', options: options(11) }] }],
      'no more than 10 items allowed [json-pointer:/blocks/0/elements/0/options]',
    ],
    [
      'radio 11 options',
      [{ type: 'actions', elements: [{ type: 'radio_buttons', action_id: 'r', options: options(11) }] }],
      'no more than 10 items allowed [json-pointer:/blocks/0/elements/0/options]',
    ],
    [
      'empty select',
      [{ type: 'actions', elements: [{ type: 'static_select', action_id: 's', options: [] }] }],
      'must provide at least 1 items [json-pointer:/blocks/0/elements/0/options]',
    ],
    [
      'block_id 256',
      [{ type: 'divider', block_id: s(256) }],
      'must be less than 256 characters [json-pointer:/blocks/0/block_id]',
    ],
    [
      'duplicate block_id',
      [
        { type: 'divider', block_id: 'x' },
        { type: 'divider', block_id: 'x' },
      ],
      '`block_id` "x" already exists [json-pointer:/blocks/1/block_id]',
    ],
    [
      'duplicate action_id in a block',
      [{ type: 'actions', elements: [button(), button()] }],
      '`action_id` "go" already exists [json-pointer:/blocks/0/elements/1/action_id]',
    ],
    [
      'action_id 256',
      [{ type: 'actions', elements: [button({ action_id: s(256) })] }],
      'must be less than 256 characters [json-pointer:/blocks/0/elements/0/action_id]',
    ],
    [
      'input in a message',
      [input({ type: 'plain_text_input', action_id: 'n' })],
      'unsupported type: input [json-pointer:/blocks/0/type]',
    ],
    [
      'unknown block type',
      [{ type: 'carousel' }],
      'unsupported type: carousel [json-pointer:/blocks/0/type]',
    ],
    [
      'text object without type',
      [{ type: 'section', text: { text: 'x' } }],
      'missing required field: type [json-pointer:/blocks/0/text]',
    ],
    ['empty text', [section('')], 'must be more than 0 characters [json-pointer:/blocks/0/text/text]'],
    [
      'text object without text',
      [{ type: 'section', text: { type: 'mrkdwn' } }],
      'missing required field: text [json-pointer:/blocks/0/text]',
    ],
    [
      'button without text',
      [{ type: 'actions', elements: [{ type: 'button', action_id: 'b' }] }],
      'missing required field: text [json-pointer:/blocks/0/elements/0]',
    ],
    [
      'typo in a property',
      [{ type: 'section', text: mrkdwn('x'), acessory: {} }],
      'invalid additional property: acessory [json-pointer:/blocks/0]',
    ],
    [
      'input element in actions',
      [{ type: 'actions', elements: [{ type: 'plain_text_input', action_id: 'p' }] }],
      'unsupported type: plain_text_input [json-pointer:/blocks/0/elements/0/type]',
    ],
  ];

  it.each(failing)('rejects %s', (_name, blocks, expected) => {
    expect(validateMessageBlocks(blocks)).toContain(expected);
  });

  const passing: Array<[string, unknown[]]> = [
    ['50 blocks', Array.from({ length: 50 }, () => ({ type: 'divider' }))],
    ['section text 3000', [section(s(3000))]],
    ['10 fields of 2000', [{ type: 'section', fields: Array.from({ length: 10 }, () => mrkdwn(s(2000))) }]],
    ['header 150', [{ type: 'header', text: plain(s(150)) }]],
    [
      '25 buttons of 75 chars',
      [
        {
          type: 'actions',
          elements: Array.from({ length: 25 }, (_, i) =>
            button({ action_id: `b${i}`, text: plain(s(75)), value: s(2000), url: s(3000) }),
          ),
        },
      ],
    ],
    [
      '100 options of 75',
      [
        {
          type: 'section',
          text: mrkdwn('pick'),
          accessory: {
            type: 'static_select',
            action_id: 's',
            options: Array.from({ length: 100 }, (_, i) => option(s(75), `${i}`.padStart(75, '0'))),
          },
        },
      ],
    ],
    ['context of 10', [{ type: 'context', elements: Array.from({ length: 10 }, () => plain('c')) }]],
    ['emoji counted once', [section('🚀'.repeat(3000))]],
    [
      'same action_id in two blocks',
      [
        { type: 'actions', elements: [button()] },
        { type: 'actions', elements: [button()] },
      ],
    ],
    [
      'image and rich text',
      [
        { type: 'image', image_url: 'https://x/y.png', alt_text: 'y' },
        { type: 'rich_text', elements: [] },
      ],
    ],
  ];

  it.each(passing)('accepts %s', (_name, blocks) => {
    expect(validateMessageBlocks(blocks)).toEqual([]);
  });

  it('accepts input blocks in messages when asked to', () => {
    expect(
      validateMessageBlocks([input({ type: 'plain_text_input', action_id: 'n' })], {
        allowInputInMessages: true,
      }),
    ).toEqual([]);
  });

  it('requires blocks to be an array', () => {
    expect(validateMessageBlocks('nope')).toEqual(['must provide an array [json-pointer:/blocks]']);
  });
});

describe('validateView', () => {
  const failing: Array<[string, unknown, 'modal' | 'home', string]> = [
    [
      'title 25',
      modal({ title: plain(s(25)) }),
      'modal',
      'must be less than 25 characters [json-pointer:/view/title/text]',
    ],
    [
      'submit 25',
      modal({ submit: plain(s(25)) }),
      'modal',
      'must be less than 25 characters [json-pointer:/view/submit/text]',
    ],
    [
      'close 25',
      modal({ close: plain(s(25)) }),
      'modal',
      'must be less than 25 characters [json-pointer:/view/close/text]',
    ],
    [
      'mrkdwn title',
      modal({ title: mrkdwn('x') }),
      'modal',
      'must be a valid enum value [json-pointer:/view/title/type]',
    ],
    ['no title', modal({ title: undefined }), 'modal', 'missing required field: title [json-pointer:/view]'],
    [
      'input without submit',
      modal({
        submit: undefined,
        blocks: [section('x'), input({ type: 'plain_text_input', action_id: 'n' })],
      }),
      'modal',
      'must define `submit` to use an `input` block in modals [json-pointer:/view/blocks/1/input]',
    ],
    [
      'private_metadata 3001',
      modal({ private_metadata: s(3001) }),
      'modal',
      'must be less than 3001 characters [json-pointer:/view/private_metadata]',
    ],
    [
      'callback_id 256',
      modal({ callback_id: s(256) }),
      'modal',
      'must be less than 256 characters [json-pointer:/view/callback_id]',
    ],
    [
      '101 blocks',
      modal({ blocks: Array.from({ length: 101 }, () => ({ type: 'divider' })) }),
      'modal',
      'no more than 100 items allowed [json-pointer:/view/blocks]',
    ],
    [
      '101 blocks on home',
      { type: 'home', blocks: Array.from({ length: 101 }, () => ({ type: 'divider' })) },
      'home',
      'no more than 100 items allowed [json-pointer:/view/blocks]',
    ],
    [
      'label 2001',
      modal({ blocks: [input({ type: 'plain_text_input', action_id: 'n' }, { label: plain(s(2001)) })] }),
      'modal',
      'must be less than 2001 characters [json-pointer:/view/blocks/0/label/text]',
    ],
    [
      'hint 2001',
      modal({ blocks: [input({ type: 'plain_text_input', action_id: 'n' }, { hint: plain(s(2001)) })] }),
      'modal',
      'must be less than 2001 characters [json-pointer:/view/blocks/0/hint/text]',
    ],
    [
      'placeholder 151',
      modal({ blocks: [input({ type: 'plain_text_input', action_id: 'n', placeholder: plain(s(151)) })] }),
      'modal',
      'must be less than 151 characters [json-pointer:/view/blocks/0/element/placeholder/text]',
    ],
    [
      'max_length 3001',
      modal({ blocks: [input({ type: 'plain_text_input', action_id: 'n', max_length: 3001 })] }),
      'modal',
      'must be less than or equal to 3000 [json-pointer:/view/blocks/0/element/max_length]',
    ],
    [
      'home type for a modal',
      { type: 'home', blocks: [] },
      'modal',
      'must be a valid enum value [json-pointer:/view/type]',
    ],
    [
      'markdown block in a view',
      modal({ blocks: [{ type: 'markdown', text: 'x' }] }),
      'modal',
      'unsupported type: markdown [json-pointer:/view/blocks/0/type]',
    ],
    [
      'duplicate block_id in a view',
      modal({
        blocks: [
          { type: 'divider', block_id: 'a' },
          { type: 'divider', block_id: 'a' },
        ],
      }),
      'modal',
      '`block_id` "a" already exists [json-pointer:/view/blocks/1/block_id]',
    ],
  ];

  it.each(failing)('rejects %s', (_name, view, surface, expected) => {
    expect(validateView(view, surface)).toContain(expected);
  });

  it('accepts a form at the limits', () => {
    const view = modal({
      title: plain(s(24)),
      submit: plain(s(24)),
      close: plain(s(24)),
      private_metadata: s(3000),
      callback_id: s(255),
      blocks: [
        input({ type: 'plain_text_input', action_id: 'n', max_length: 3000, placeholder: plain(s(150)) }),
        {
          type: 'input',
          block_id: 'sel',
          label: plain('Pick'),
          element: { type: 'static_select', action_id: 's', options: options(100) },
        },
        ...Array.from({ length: 98 }, () => ({ type: 'divider' })),
      ],
    });
    expect(validateView(view, 'modal')).toEqual([]);
  });

  it('rejects a view over 250 kB', () => {
    const big = modal({ blocks: Array.from({ length: 90 }, () => section(s(2900))) });
    expect(validateView(big, 'modal')[0]).toMatch(/^view_too_large/);
  });
});
