/** Paged lists, read to the end. */

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
export async function readAllPages<T, Cursor>(readPage: (cursor: Cursor | undefined) => Promise<Page<T, Cursor>>, maxPages: number, tooMany: () => Error): Promise<T[]> {
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
