import { describe, expect, it } from 'vitest'
import { mrkdwn, renderMessage, renderThread, renderView } from '../../local/transcript.js'

describe('mrkdwn', () => {
  it('shows user mentions as @id, or @label when Slack has one', () => {
    expect(mrkdwn('requested by <@U123>')).toBe('requested by @U123')
    expect(mrkdwn('<@U123|ann>')).toBe('@ann')
  })

  it('shows a date token as its fallback text', () => {
    expect(mrkdwn('until <!date^1700000000^{date_short}|Nov 14, 2023>')).toBe('until Nov 14, 2023')
  })

  it('shows labelled links as label (url), bare links as the url', () => {
    expect(mrkdwn('<https://admin.atlassian.com/u/1|Atlassian admin>')).toBe('Atlassian admin (https://admin.atlassian.com/u/1)')
    expect(mrkdwn('<https://example.com>')).toBe('https://example.com')
    expect(mrkdwn('<mailto:ann@corp.example|ann@corp.example>')).toBe('ann@corp.example')
  })

  it('shows channels, special mentions and unescaped entities', () => {
    expect(mrkdwn('<#C1|alerts> <!here> a &lt;b&gt; &amp; c')).toBe('#alerts @here a <b> & c')
  })

  it('keeps emphasis markers as they are', () => {
    expect(mrkdwn('*bold* _it_ ~gone~ `code`')).toBe('*bold* _it_ ~gone~ `code`')
  })
})

const alert = {
  text: 'Account alert: ann@corp.example in Qlik',
  blocks: [
    { type: 'header', text: { type: 'plain_text', text: 'Account alert' } },
    {
      type: 'section',
      text: { type: 'mrkdwn', text: '*ann@corp.example* still active in *Qlik Cloud*' },
      fields: [
        { type: 'mrkdwn', text: '*Role*\nTenantAdmin' },
        { type: 'mrkdwn', text: '*Reported by*\n<@U0DETECT>' },
      ],
    },
    {
      type: 'context',
      elements: [
        { type: 'mrkdwn', text: 'since <!date^1700000000^{date}|Nov 14>' },
        { type: 'plain_text', text: 'IdP sync' },
      ],
    },
    { type: 'divider' },
    {
      type: 'actions',
      elements: [
        { type: 'button', action_id: 'd', style: 'danger', text: { type: 'plain_text', text: 'Delete' } },
        { type: 'button', action_id: 's', text: { type: 'plain_text', text: 'Suspend' } },
        { type: 'button', action_id: 'm', style: 'primary', text: { type: 'plain_text', text: 'Mute' } },
      ],
    },
  ],
}

describe('renderMessage', () => {
  it('renders header, section text and fields, context, divider and buttons with their style marks', () => {
    expect(renderMessage(alert)).toBe(
      [
        '# Account alert',
        '*ann@corp.example* still active in *Qlik Cloud*',
        '• *Role*',
        '  TenantAdmin',
        '• *Reported by*',
        '  @U0DETECT',
        'since Nov 14  ·  IdP sync',
        '────────────────────────────────',
        '[ Delete ! ] [ Suspend ] [ Mute * ]',
      ].join('\n'),
    )
  })

  it('falls back to the text when there are no blocks', () => {
    expect(renderMessage({ text: 'Deleted <@U1>&apos;s account' })).toBe('Deleted @U1&apos;s account')
    expect(renderMessage({ text: 'done', blocks: [] })).toBe('done')
  })

  it('puts a section accessory on the same line as its text', () => {
    const retry = {
      type: 'section',
      text: { type: 'mrkdwn', text: 'Rate limited by Qlik' },
      accessory: { type: 'button', text: { type: 'plain_text', text: 'Retry' } },
    }
    expect(renderMessage({ blocks: [retry] })).toBe('Rate limited by Qlik   [ Retry ]')
  })
})

describe('renderThread', () => {
  it('indents replies under the message', () => {
    const thread = { text: 'Alert', replies: [{ text: 'In progress' }, { text: 'Done\nall keys revoked' }] }
    expect(renderThread(thread)).toBe(['Alert', '  ↳ In progress', '  ↳ Done', '    all keys revoked'].join('\n'))
  })
})

describe('renderView', () => {
  it('renders a modal with its title, inputs and Cancel / Submit', () => {
    const modal = {
      type: 'modal',
      title: { type: 'plain_text', text: 'Delete account' },
      submit: { type: 'plain_text', text: 'Delete' },
      close: { type: 'plain_text', text: 'Cancel' },
      blocks: [
        { type: 'section', text: { type: 'mrkdwn', text: 'This deletes *ann@corp.example* from Qlik.' } },
        {
          type: 'input',
          label: { type: 'plain_text', text: 'New owner of 3 spaces' },
          element: { type: 'static_select', placeholder: { type: 'plain_text', text: 'Choose a user' } },
        },
        {
          type: 'input',
          optional: true,
          label: { type: 'plain_text', text: 'Note' },
          element: { type: 'plain_text_input', placeholder: { type: 'plain_text', text: 'Why' } },
          hint: { type: 'plain_text', text: 'Goes to the audit log' },
        },
      ],
    }
    expect(renderView(modal)).toBe(
      [
        '┌─ Delete account',
        '│ This deletes *ann@corp.example* from Qlik.',
        '│ New owner of 3 spaces',
        '│   [ Choose a user ▾ ]',
        '│ Note (optional)',
        '│   [ Why____ ]',
        '│   Goes to the audit log',
        '└─ [ Cancel ]  [ Delete * ]',
      ].join('\n'),
    )
  })

  it('renders a loading modal with only the default Cancel', () => {
    const loading = {
      type: 'modal',
      title: { type: 'plain_text', text: 'Checking…' },
      blocks: [{ type: 'context', elements: [{ type: 'mrkdwn', text: ':hourglass: Asking Qlik' }] }],
    }
    expect(renderView(loading)).toBe(['┌─ Checking…', '│ :hourglass: Asking Qlik', '└─ [ Cancel ]'].join('\n'))
  })

  it('renders radio buttons and checkboxes with the chosen options marked', () => {
    const view = {
      type: 'modal',
      title: { type: 'plain_text', text: 'Keys' },
      blocks: [
        {
          type: 'input',
          label: { type: 'plain_text', text: 'API keys' },
          element: {
            type: 'radio_buttons',
            initial_option: { value: 'reassign', text: { type: 'plain_text', text: 'Reassign' } },
            options: [
              { value: 'reassign', text: { type: 'plain_text', text: 'Reassign' } },
              { value: 'delete', text: { type: 'plain_text', text: 'Delete' } },
            ],
          },
        },
      ],
    }
    expect(renderView(view)).toContain('(•) Reassign  ( ) Delete')
  })

  it('renders an App Home', () => {
    expect(renderView({ type: 'home', blocks: [{ type: 'header', text: { type: 'plain_text', text: 'Mutes' } }] })).toBe(
      ['┌─ App Home', '│ # Mutes', '└─'].join('\n'),
    )
  })
})
