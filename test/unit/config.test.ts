import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.js'
import { configProblems, MINIMAL_ENV } from '../support/config-env.js'

const PROVIDERS = `
- id: acme-scim
  type: scim
  displayName: Acme HR
  baseUrl: https://acme.example/scim/v2
  token: \${ACME_SCIM_TOKEN}
  adminConsoleUrl: https://acme.example/admin/users
`

const validEnv = {
  ...MINIMAL_ENV,
  ACTORS: 'U0123ABCD, U0456EFGH',
  ACME_SCIM_TOKEN: 'scim-secret',
}

const files = (text: string) => (path: string) => {
  if (path !== '/etc/providers.yml') throw Object.assign(new Error('missing'), { code: 'ENOENT' })
  return text
}

const problemsOf = (env: Record<string, string | undefined>, providers = PROVIDERS) => configProblems(() => loadConfig(env, files(providers)))

describe('configuration', () => {
  it('reads a complete environment and resolves ${ENV} secrets in the providers file', () => {
    const config = loadConfig(validEnv, files(PROVIDERS))
    expect(config.port).toBe(3000)
    expect(config.slack.apiUrl).toBe('https://slack.com/api/')
    expect(config.redisUrl).toBe('redis://127.0.0.1:6379')
    expect([...config.actors]).toEqual(['U0123ABCD', 'U0456EFGH'])
    expect(config.integrations).toEqual([
      {
        id: 'acme-scim',
        type: 'scim',
        displayName: 'Acme HR',
        baseUrl: 'https://acme.example/scim/v2',
        token: 'scim-secret',
        adminConsoleUrl: 'https://acme.example/admin/users',
      },
    ])
  })

  it('names each missing variable and what is expected, on its own line', () => {
    const problems = problemsOf({ ...validEnv, ALERT_CHANNEL_ID: undefined, ACTORS: '' })
    expect(problems).toHaveLength(2)
    expect(problems[0]).toMatch(/^ALERT_CHANNEL_ID: required/)
    expect(problems[1]).toMatch(/^ACTORS: required/)
  })

  it('refuses a channel name where a channel ID is expected', () => {
    expect(problemsOf({ ...validEnv, ALERT_CHANNEL_ID: '#security' })).toEqual(['ALERT_CHANNEL_ID: expected a channel ID like C0123456789, not a channel name'])
  })

  it('requires the signing secret over HTTP but not in Socket Mode', () => {
    expect(problemsOf({ ...validEnv, SLACK_SIGNING_SECRET: undefined })[0]).toMatch(/^SLACK_SIGNING_SECRET: required over HTTP/)
    expect(problemsOf({ ...validEnv, SLACK_SIGNING_SECRET: undefined, SLACK_APP_TOKEN: 'xapp-1-2' })).toEqual([])
  })

  it('refuses a secret written inline in the providers file, without echoing it', () => {
    const problems = problemsOf(validEnv, PROVIDERS.replace('${ACME_SCIM_TOKEN}', 'plain-secret-value'))
    expect(problems).toEqual([
      'PROVIDERS_FILE /etc/providers.yml entry 1 (acme-scim): token: expected a ${ENV_NAME} reference: secrets are never written inline',
    ])
    expect(problems.join()).not.toContain('plain-secret-value')
  })

  it('says which environment variable a secret reference points to when it is unset', () => {
    expect(problemsOf({ ...validEnv, ACME_SCIM_TOKEN: undefined })[0]).toContain('refers to ${ACME_SCIM_TOKEN}, which is not set')
  })

  it('refuses unknown integration types, duplicate ids and unreadable files', () => {
    expect(problemsOf(validEnv, '- id: x\n  type: nosuch\n  displayName: X\n')[0]).toMatch(/entry 1 \(x\): type:/)
    expect(problemsOf(validEnv, PROVIDERS + PROVIDERS)[0]).toContain('id "acme-scim" is used twice')
    expect(problemsOf({ ...validEnv, PROVIDERS_FILE: '/nope.yml' })).toEqual(['PROVIDERS_FILE: cannot read /nope.yml (ENOENT)'])
    expect(problemsOf(validEnv, 'a: [unclosed')[0]).toMatch(/^PROVIDERS_FILE: \/etc\/providers.yml is not valid YAML/)
  })

  it("reads an integration's pace (requestsPerSecond) and refuses one that is not a positive number", () => {
    expect(loadConfig(validEnv, files(`${PROVIDERS}  requestsPerSecond: 9.5\n`)).integrations[0]?.requestsPerSecond).toBe(9.5)
    expect(problemsOf(validEnv, `${PROVIDERS}  requestsPerSecond: 0\n`)[0]).toMatch(/entry 1 \(acme-scim\): requestsPerSecond:/)
    expect(problemsOf(validEnv, `${PROVIDERS}  requestsPerSecond: fast\n`)[0]).toMatch(/entry 1 \(acme-scim\): requestsPerSecond:/)
  })

  it('reads how long account lookups may take (LOOKUP_TIMEOUT_SECONDS, default 8 s) and refuses a value out of range', () => {
    expect(loadConfig(validEnv, files(PROVIDERS)).lookupTimeoutMs).toBe(8_000)
    expect(loadConfig({ ...validEnv, LOOKUP_TIMEOUT_SECONDS: '20' }, files(PROVIDERS)).lookupTimeoutMs).toBe(20_000)
    expect(problemsOf({ ...validEnv, LOOKUP_TIMEOUT_SECONDS: '0' })).toEqual(['LOOKUP_TIMEOUT_SECONDS: expected at least 1 second'])
    expect(problemsOf({ ...validEnv, LOOKUP_TIMEOUT_SECONDS: 'soon' })).toEqual(['LOOKUP_TIMEOUT_SECONDS: expected a number of seconds'])
  })

  it('treats an empty variable as unset, so defaults apply', () => {
    expect(loadConfig({ ...validEnv, PORT: '', REDIS_URL: ' ' }, files(PROVIDERS)).port).toBe(3000)
  })
})
