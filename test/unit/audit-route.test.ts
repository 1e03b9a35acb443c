/**
 * GET /audit when things go wrong, served by the real route on a local HTTP server over an audit log the test
 * scripts (a Redis that fails on a given read): Redis down before the first line is a 503; Redis failing
 * mid-stream cuts the response with no cursor line; a reader that goes away stops the reads.
 */
import { createServer, get, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Writable } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import { createAuditRoute } from '../../src/features/audit-export/route.js'
import { createLogger } from '../../src/logger.js'
import type { AuditLog, StoredAuditEntry } from '../../src/store/audit.js'
import { eventually } from '../support/fault-replicas.js'

const TOKEN = 'a-read-token-of-some-length'

/** An audit log of `total` entries (each `detailBytes` long) whose `failOnRead`-th read (1-based) fails as Redis down does. */
function scriptedAudit({ total, failOnRead, detailBytes = 10 }: { total: number; failOnRead?: number; detailBytes?: number }) {
  const entries: StoredAuditEntry[] = Array.from({ length: total }, (_, i) => ({
    id: `${1_764_547_200_000 + i}-0`,
    at: new Date(1_764_547_200_000 + i).toISOString(),
    event: 'alert-received',
    alertId: `al_${i}`,
    detail: 'x'.repeat(detailBytes),
  }))
  const reads: string[] = []
  const audit = {
    async range(start: string, _end: string, count: number): Promise<StoredAuditEntry[]> {
      reads.push(start)
      if (reads.length === failOnRead) throw new Error('Connection is closed.')
      const from = start === '-' ? 0 : entries.findIndex((entry) => entry.id === start.slice(1)) + 1
      return entries.slice(from, from + count)
    },
  }
  return { audit: audit as unknown as AuditLog, reads }
}

let server: Server | undefined
const logLines: string[] = []
afterEach(async () => {
  server?.closeAllConnections()
  await new Promise((resolve) => server?.close(resolve))
  logLines.length = 0
})

async function serve(audit: AuditLog): Promise<string> {
  const logger = createLogger('info', new Writable({ write: (chunk, _encoding, done) => done(void logLines.push(String(chunk))) }))
  server = createServer(createAuditRoute({ audit, logger, auditReadToken: TOKEN }))
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/audit`
}

const bearer = { authorization: `Bearer ${TOKEN}` }

describe('GET /audit when Redis fails', () => {
  it('answers 503 with the reason when the audit log cannot be read at all, not a 200 cut at once', async () => {
    const url = await serve(scriptedAudit({ total: 3, failOnRead: 1 }).audit)
    const response = await fetch(url, { headers: bearer })
    expect(response.status).toBe(503)
    expect(await response.json()).toEqual({ error: 'The audit log (Redis) is unavailable. Retry shortly.' })
  })

  it('cuts the response without a cursor line when Redis fails after the first page, so the reader knows it is incomplete', async () => {
    const url = await serve(scriptedAudit({ total: 1_200, failOnRead: 2 }).audit)
    const response = await fetch(`${url}?limit=1000`, { headers: bearer })
    expect(response.status).toBe(200)
    await expect(response.text()).rejects.toThrow()
  })
})

describe('GET /audit when the reader goes away', () => {
  it('stops reading the audit log, and says so, when the reader disconnects while the server waits for it to take more', async () => {
    // Entries large enough that the socket fills long before the first page is written.
    const { audit, reads } = scriptedAudit({ total: 5_000, detailBytes: 20_000 })
    const url = await serve(audit)
    await new Promise<void>((resolve, reject) => {
      const request = get(`${url}?limit=5000`, { headers: bearer }, (response) => {
        response.pause()
        // Long enough for the server to be held by the full socket, then the reader leaves.
        setTimeout(() => {
          request.destroy()
          resolve()
        }, 200)
      })
      request.on('error', () => undefined)
      request.on('timeout', reject)
    })
    await eventually('the route says the reader went away', () => logLines.some((line) => line.includes('the reader went away')))
    expect(reads).toHaveLength(1)
  })
})
