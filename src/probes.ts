/**
 * GET /healthz, GET /readyz and GET /metrics: what orchestrators probe and Prometheus
 * scrapes. A process that serves Slack has Bolt's receiver serve them as custom routes;
 * a worker replica (BOT_ROLE=worker) serves them alone on a plain HTTP server, with the
 * same handlers.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { CustomRoute } from '@slack/bolt'
import type { Redis } from 'ioredis'
import { sendJson } from './http.js'
import type { Metrics } from './metrics.js'
import { isReady } from './store/redis.js'

export interface ProbeDeps {
  redis: Redis
  metrics: Metrics
}

export function probeRoutes(deps: ProbeDeps): CustomRoute[] {
  return [
    { path: '/healthz', method: ['GET'], handler: (_req, res) => sendJson(res, 200, { status: 'ok' }) },
    { path: '/readyz', method: ['GET'], handler: (_req, res) => void readiness(deps.redis, res) },
    { path: '/metrics', method: ['GET'], handler: (_req, res) => void metricsRoute(deps.metrics, res) },
  ]
}

/** Serves only these routes (exact path and method); anything else is 404, as Bolt answers it. */
export async function startProbeServer(routes: readonly CustomRoute[], port: number, host: string | undefined): Promise<Server> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname
    const route = routes.find((candidate) => candidate.path === path && [candidate.method].flat().includes(req.method ?? ''))
    if (route) route.handler(req, res)
    else sendJson(res, 404, { error: 'not found' })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  return server
}

async function readiness(redis: Redis, res: ServerResponse): Promise<void> {
  const ready = await isReady(redis)
  sendJson(res, ready ? 200 : 503, ready ? { status: 'ready' } : { status: 'not ready', redis: 'unreachable' })
}

async function metricsRoute(metrics: Metrics, res: ServerResponse): Promise<void> {
  const body = await metrics.registry.metrics()
  res.writeHead(200, { 'content-type': metrics.registry.contentType })
  res.end(body)
}
