/**
 * An audit webhook receiver on a free local port, as an operator's SIEM would run one: it records every request
 * (headers and raw body) and answers as the test scripts it: the next requests fail in given ways, events about
 * someone are refused for good, or it is down (connections dropped unanswered).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/** How one request is answered: an HTTP status (with headers), or no answer at all (the sender's timeout). */
export type Answer = { status: number; headers?: Record<string, string> } | 'no-answer'

export interface ReceivedRequest {
  /** The request's path (the receiver answers on any). */
  path: string
  eventId: string
  timestamp: string
  signature: string
  body: string
  /** What it was answered (`no-answer` for a timeout, `dropped` while down). */
  answer: number | 'no-answer' | 'dropped'
  at: number
}

export interface WebhookReceiver {
  url: string
  requests: ReceivedRequest[]
  /** The next requests get these answers, in order; every later one a 200. */
  answerNext(...answers: Answer[]): void
  /** Every event about this email is refused with `status` (a permanent refusal). */
  refuseEmail(email: string, status: number): void
  /** While down, every connection is dropped without an answer. */
  setDown(down: boolean): void
  /** The event ids accepted (answered 2xx). */
  accepted(): Set<string>
  stop(): Promise<void>
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const requests: ReceivedRequest[] = []
  const scripted: Answer[] = []
  const refused = new Map<string, number>()
  const held: ServerResponse[] = []
  let down = false

  const header = (req: IncomingMessage, name: string) => String(req.headers[name] ?? '')
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8')
      const base = {
        path: req.url ?? '',
        eventId: header(req, 'x-deprovision-event-id'),
        timestamp: header(req, 'x-deprovision-timestamp'),
        signature: header(req, 'x-deprovision-signature'),
        body,
        at: Date.now(),
      }
      if (down) {
        requests.push({ ...base, answer: 'dropped' })
        req.socket.destroy()
        return
      }
      const email = (JSON.parse(body) as { email?: string }).email ?? ''
      const answer: Answer = refused.has(email) ? { status: refused.get(email)! } : (scripted.shift() ?? { status: 200 })
      if (answer === 'no-answer') {
        requests.push({ ...base, answer })
        held.push(res)
        return
      }
      requests.push({ ...base, answer: answer.status })
      res.writeHead(answer.status, answer.headers).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/audit`,
    requests,
    answerNext: (...answers) => void scripted.push(...answers),
    refuseEmail: (email, status) => void refused.set(email, status),
    setDown: (value) => void (down = value),
    accepted: () => new Set(requests.filter((r) => typeof r.answer === 'number' && r.answer < 300).map((r) => r.eventId)),
    async stop() {
      for (const res of held) res.destroy()
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}
