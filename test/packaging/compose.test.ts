/**
 * `docker compose up` as the README promises it: a web and a worker replica on a Redis that keeps
 * what the bot keeps, the providers file read-only, every secret from the env file (.env.example
 * naming every variable the bot reads).
 */
import { readFileSync } from 'node:fs'
import { parse as parseYaml } from 'yaml'
import { describe, expect, it } from 'vitest'
import { CONFIG_VARIABLES } from '../../src/config.js'

interface Service {
  image?: string
  command?: string[]
  environment?: Record<string, string>
  env_file?: string
  volumes?: string[]
}
const compose = parseYaml(readFileSync('compose.yaml', 'utf8'), { merge: true }) as { services: Record<string, Service> }
const { redis, web, worker } = compose.services

describe('compose.yaml', () => {
  it('runs a web and a worker replica of the bot on its Redis, secrets from .env', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['redis', 'web', 'worker'])
    expect([web?.environment?.BOT_ROLE, worker?.environment?.BOT_ROLE]).toEqual(['web', 'worker'])
    for (const bot of [web, worker]) {
      expect(bot?.env_file).toBe('.env')
      expect(bot?.environment?.REDIS_URL).toBe('redis://redis:6379')
      expect(bot?.volumes).toContain(`./providers.yml:${bot?.environment?.PROVIDERS_FILE}:ro`)
    }
  })

  it('keeps what the bot keeps: Redis 7 with AOF on and noeviction', () => {
    expect(redis?.image).toMatch(/^redis:7/)
    expect(redis?.command?.join(' ')).toContain('--appendonly yes')
    expect(redis?.command?.join(' ')).toContain('--maxmemory-policy noeviction')
  })
})

describe('.env.example', () => {
  it('names every variable the bot reads', () => {
    const named: string[] = readFileSync('.env.example', 'utf8').match(/^[A-Z_]+(?==)/gm) ?? []
    expect(CONFIG_VARIABLES.filter((variable) => !named.includes(variable))).toEqual([])
  })
})
