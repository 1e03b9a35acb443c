/** Paged lists, read to the end. */
import { ProviderError } from '../problems.js'

/** One page: its items, and the cursor of the next page when there is one. */
export interface Page<T, Cursor> {
  items: T[]
  next?: Cursor
}

/**
 * Every item of a paged list, page after page until the service names no next one. Bounded: a service that
 * never stops must not hold the worker, and acting on part of a list could orphan what was not read, so a
 * list longer than `maxPages` throws what `tooMany` makes.
 */
export async function readAllPages<T, Cursor>(
  readPage: (cursor: Cursor | undefined) => Promise<Page<T, Cursor>>,
  maxPages: number,
  tooMany: () => Error,
): Promise<T[]> {
  const all: T[] = []
  let cursor: Cursor | undefined
  for (let count = 0; count < maxPages; count++) {
    const page = await readPage(cursor)
    all.push(...page.items)
    if (page.next === undefined) return all
    cursor = page.next
  }
  throw tooMany()
}

/**
 * A service's next-page link, resolved against where the bot talks to it and refused unless it stays there: the
 * credentials go with the next request, so a link to another origin is never followed.
 */
export function sameOriginLink(href: string, base: URL, names: { service: string; place: string; what: string }): URL {
  let url: URL
  try {
    url = new URL(href, base)
  } catch {
    throw new ProviderError({ kind: 'rejected', detail: `${names.service} answered the list of ${names.what} with an unreadable next link` })
  }
  if (url.origin !== base.origin) {
    throw new ProviderError({
      kind: 'rejected',
      detail: `${names.service}'s next link for ${names.what} points away from the ${names.place} (${url.origin}); the bot did not follow it`,
    })
  }
  return url
}
