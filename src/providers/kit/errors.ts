/** The service failures every adapter reads the same way. */
import { ProviderError } from '../problems.js'

export function isNotFound(error: unknown): boolean {
  return error instanceof ProviderError && error.problem.kind === 'not-found'
}

/** The service answered `call` with something the adapter cannot read (not `what` it expected): rejected, since asking again gets the same. */
export function unreadable(service: string, status: number, call: string, what?: string): ProviderError {
  const answer = what === undefined ? 'something the bot cannot read' : `something that is not ${what}`
  return new ProviderError({ kind: 'rejected', status, detail: `${service} answered ${call} with ${answer}` })
}

/** What `read` answers, or null when the service says there is no such thing (any more). */
export async function nullIfNotFound<T>(read: () => Promise<T>): Promise<T | null> {
  try {
    return await read()
  } catch (error) {
    if (isNotFound(error)) return null
    throw error
  }
}
