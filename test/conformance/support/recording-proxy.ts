/**
 * A forwarding proxy between an adapter and a service stand-in that records every
 * exchange: what the adapter sent (method, path, query, body) and what it was answered
 * (status, body). The stand-ins record only requests; the conformance checks also need
 * the answers the adapter read, without changing the stand-ins.
 */
import { request as forward } from 'node:http'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { parseBody, readBody } from '../../../local/sandbox-kit.js'

export interface Exchange {
  method: string
  path: string
  /** Decoded query parameters; a repeated one keeps its last value. */
  query: Record<string, string>
  requestBody: unknown
  status: number
  responseBody: unknown
}

export interface RecordingProxy {
  /** Point the adapter here instead of at the stand-in. */
  url: string
  exchanges: Exchange[]
  stop(): Promise<void>
}

/** `target` is the stand-in's origin; the path prefix the adapter adds is kept as is. */
export async function startRecordingProxy(target: string): Promise<RecordingProxy> {
  const exchanges: Exchange[] = []
  const upstream = new URL(target)
  let origin = ''
  // Like any reverse proxy, links the stand-in gives out (next pages, Link headers) point back at the proxy.
  const relink = (text: string) => text.replaceAll(upstream.origin, origin)
  const server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req)
      const url = new URL(req.url ?? '/', 'http://proxy')
      // Host is forwarded unchanged: signed requests (CloudSSO) sign the host the adapter saw.
      const out = forward({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        void readBody(answer).then((raw) => {
          const answerBody = relink(raw.toString('utf8'))
          exchanges.push({
            method: req.method ?? 'GET',
            path: url.pathname,
            query: Object.fromEntries(url.searchParams),
            requestBody: parseBody(body.toString('utf8')),
            status: answer.statusCode ?? 0,
            responseBody: parseBody(answerBody),
          })
          const headers = Object.fromEntries(Object.entries(answer.headers).map(([name, value]) => [name, typeof value === 'string' ? relink(value) : value]))
          delete headers['content-length']
          res.writeHead(answer.statusCode ?? 502, headers)
          res.end(answerBody)
        })
      })
      out.on('error', () => {
        res.writeHead(502)
        res.end()
      })
      out.end(body)
    })()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const { port } = server.address() as AddressInfo
  origin = `http://127.0.0.1:${port}`
  return {
    url: origin,
    exchanges,
    stop: async () => {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
