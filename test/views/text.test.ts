import { describe, expect, it } from 'vitest'
import { clip, duration, escapeMrkdwn, link, mention, slackDate, truncate, words } from '../../src/views/text.js'

describe('escapeMrkdwn', () => {
  it('escapes &, < and > so nothing becomes a mention or a link', () => {
    expect(escapeMrkdwn('<!channel> & <https://evil|click>')).toBe('&lt;!channel&gt; &amp; &lt;https://evil|click&gt;')
  })

  it('escapes & first, so existing entities are shown literally', () => {
    expect(escapeMrkdwn('&lt;')).toBe('&amp;lt;')
  })

  it('defuses bare @channel / @here / @everyone but leaves email addresses alone', () => {
    expect(escapeMrkdwn('hi @channel and @Here')).toBe('hi @\u200Bchannel and @\u200BHere')
    expect(escapeMrkdwn('ops@here.com')).toBe('ops@here.com')
  })
})

describe('truncate', () => {
  it('leaves short text alone', () => {
    expect(truncate('abc', 3)).toBe('abc')
  })

  it('cuts to the limit, ending with an ellipsis', () => {
    expect(truncate('abcdef', 4)).toBe('abc…')
    expect(truncate('abcdef', 4)).toHaveLength(4)
  })

  it('never splits an emoji', () => {
    const cut = truncate('ab😀cd', 4)
    expect(cut).toBe('ab…')
    expect(cut.length).toBeLessThanOrEqual(4)
  })
})

describe('clip', () => {
  it('escapes and keeps the escaped text within the limit', () => {
    const cut = clip('<'.repeat(100), 20)
    expect(cut.length).toBeLessThanOrEqual(20)
    expect(cut).toBe('&lt;'.repeat(4) + '…')
  })

  it('never cuts inside an entity', () => {
    for (let max = 1; max < 30; max++) {
      const cut = clip('a&b<c>d'.repeat(5), max)
      expect(cut.length).toBeLessThanOrEqual(max)
      expect(cut.replace(/&(amp|lt|gt);/g, '')).not.toMatch(/[&<>]/)
    }
  })

  it('defuses @channel in text that has to be cut', () => {
    expect(clip(`@channel ${'x'.repeat(50)}`, 20)).toContain('@\u200Bchannel')
  })
})

describe('slackDate', () => {
  it("uses Slack's date syntax with the ISO time as fallback", () => {
    expect(slackDate('2024-05-01T12:00:00.000Z')).toBe('<!date^1714564800^{date_short_pretty} {time}|2024-05-01T12:00:00Z>')
  })

  it('shows an unreadable time as escaped text', () => {
    expect(slackDate('<!channel>')).toBe('&lt;!channel&gt;')
  })
})

describe('mention', () => {
  it('mentions Slack user ids', () => {
    expect(mention('U0123ABCD')).toBe('<@U0123ABCD>')
    expect(mention('W0123ABCD')).toBe('<@W0123ABCD>')
  })

  it('shows anything else as escaped text', () => {
    expect(mention('<!channel>')).toBe('&lt;!channel&gt;')
  })
})

describe('link', () => {
  it('links http(s) URLs with an escaped label', () => {
    expect(link('https://admin.example.com/a?b=1&c=2', 'the <admin> console')).toBe('<https://admin.example.com/a?b=1&amp;c=2|the &lt;admin&gt; console>')
  })

  it('falls back to the label for missing or non-http URLs', () => {
    expect(link(undefined, 'the console')).toBe('the console')
    expect(link('javascript:alert(1)', 'the console')).toBe('the console')
    expect(link('not a url', 'the console')).toBe('the console')
  })

  it('encodes characters that would end the link early', () => {
    expect(link('https://x.example/a|b>c', 'x')).toBe('<https://x.example/a%7Cb%3Ec|x>')
  })
})

describe('words', () => {
  it('uses one vocabulary per action', () => {
    expect(words('delete')).toMatchObject({ verb: 'Delete', past: 'deleted', progressive: 'Deleting' })
    expect(words('suspend')).toMatchObject({ verb: 'Suspend', past: 'suspended', progressive: 'Suspending' })
  })
})

describe('duration', () => {
  it('rounds up to seconds, minutes or hours', () => {
    expect(duration(30_000)).toBe('30 s')
    expect(duration(5 * 60_000)).toBe('5 min')
    expect(duration(3 * 3_600_000)).toBe('3 h')
  })
})
