/**
 * Per-integration flow control in Redis: each request reserves its turn, spaced by the
 * integration's pace whichever replica asks; a service's "wait" blocks only its own
 * integration, never longer than the cap; the pace is learned from what the service says.
 */
import { describe, expect, it } from 'vitest'
import { ProviderError } from '../../src/providers/problems.js'
import { FlowControl, HOLD_IN_PLACE_MS } from '../../src/store/flow-control.js'
import { useRedis } from '../support/redis.js'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

const { connect } = useRedis()

describe('FlowControl', () => {
  it('spaces the requests of one integration 1/rate apart, even when two replicas ask at once', async () => {
    const [first, second] = [new FlowControl(connect()), new FlowControl(connect())]
    const turns = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? first : second).reserve('hr', { requestsPerSecond: 20 })))
    const sorted = turns.map((turn) => turn.waitMs).sort((a, b) => a - b)
    // 20 a second: one every 50 ms. Requests reserved within the same few ms wait 0, 50, 100 … 450 ms.
    sorted.forEach((wait, i) => expect(wait).toBeGreaterThanOrEqual(i * 50 - 40))
    sorted.forEach((wait, i) => expect(wait).toBeLessThanOrEqual(i * 50))
  })

  it('keeps each integration to its own pace', async () => {
    const flow = new FlowControl(connect())
    await flow.reserve('crm', { requestsPerSecond: 1 })
    expect((await flow.reserve('billing', { requestsPerSecond: 1 })).waitMs).toBe(0)
    expect((await flow.reserve('crm', { requestsPerSecond: 1 })).waitMs).toBeGreaterThan(900)
  })

  it('starts an integration at its adapter default and lets no request wait when it has none', async () => {
    const flow = new FlowControl(connect())
    for (let i = 0; i < 5; i++) expect((await flow.reserve('fresh')).waitMs).toBe(0)
    await flow.reserve('qlik-like', { defaultRequestsPerSecond: 2 })
    expect((await flow.reserve('qlik-like', { defaultRequestsPerSecond: 2 })).waitMs).toBeGreaterThan(400)
  })

  it('blocks only the integration the service asked to wait, never longer than the cap, and says when it capped', async () => {
    const capped: number[] = []
    const flow = new FlowControl(connect(), 5_000, {
      unavailable: () => undefined,
      capped: (_, asked) => capped.push(asked),
      refused: () => undefined,
      waited: () => undefined,
    })
    await flow.learn('okta-a', { waitMs: 3_600_000, refused: true })
    const blocked = await flow.reserve('okta-a')
    expect(blocked.kind).toBe('blocked')
    expect(blocked.waitMs).toBeLessThanOrEqual(5_000)
    expect(blocked.waitMs).toBeGreaterThan(4_000)
    expect(capped).toEqual([3_600_000])
    expect(await flow.reserve('okta-b')).toEqual({ kind: 'go', waitMs: 0 })
  })

  it('hands a long block back to the caller as a rate-limited problem instead of holding it', async () => {
    const flow = new FlowControl(connect())
    const requests = flow.flowFor('wiki')
    await requests.afterAnswer(429, { 'retry-after': '30' })
    const refusal = await requests.beforeSend().then(
      () => undefined,
      (error: unknown) => error,
    )
    expect(refusal).toBeInstanceOf(ProviderError)
    expect((refusal as ProviderError).problem).toMatchObject({ kind: 'rate-limited' })
    expect(((refusal as ProviderError).problem as { retryAfterMs: number }).retryAfterMs).toBeGreaterThan(HOLD_IN_PLACE_MS)
  })

  it('learns a pace under what got through before a 429, and takes the rate a service declares', async () => {
    const flow = new FlowControl(connect())
    const requests = flow.flowFor('scim')
    for (let i = 0; i < 40; i++) await requests.afterAnswer(200, {})
    await requests.afterAnswer(429, { 'retry-after': '1' })
    const [learned] = Object.values(await flow.learnedPaces(['scim']))
    // 40 answered within the second the service allowed: a little under 40 a second.
    expect(learned).toBeGreaterThan(30)
    expect(learned).toBeLessThan(40)

    await flow.flowFor('okta').afterAnswer(200, { 'x-rate-limit-limit': '600', 'x-rate-limit-remaining': '599' })
    expect((await flow.learnedPaces(['okta'])).okta).toBeCloseTo(9.5)
  })

  it('after a 429 at a pace too high, lowers it to what the service let through in its window, not halved by a rounded-up Retry-After', async () => {
    const flow = new FlowControl(connect())
    const requests = flow.flowFor('window')
    // The first refusal: 150 answered in the second before it, so the pace is set a little under 150 a second.
    for (let i = 0; i < 150; i++) await requests.afterAnswer(200, {})
    await requests.afterAnswer(429, { 'retry-after': '1' })
    expect((await flow.learnedPaces(['window'])).window).toBeGreaterThan(130)
    await sleep(1_000)
    // The block over, a window of 100 requests used up in about 0.3 s, and a whole-second Retry-After for its remaining 0.7 s.
    for (let i = 0; i < 100; i++) await requests.afterAnswer(200, {})
    await requests.afterAnswer(429, { 'retry-after': '1' })
    // The service's window was one second and held 100: a little under 100 a second. Counting the rounded wait on top
    // of the stretch would say 100 in 1.3 s (73 a second) and keep the pace there for the rest of the run.
    const { window: learned } = await flow.learnedPaces(['window'])
    expect(learned).toBeGreaterThan(90)
    expect(learned).toBeLessThan(100)
  })

  it('goes faster than the adapter default while requests queue behind it, until the service first says no', async () => {
    const flow = new FlowControl(connect())
    const limits = { defaultRequestsPerSecond: 20 }
    const queueFor = async (ms: number) => {
      const until = Date.now() + ms
      while (Date.now() < until) await flow.reserve('tenant', limits)
    }
    await queueFor(1_200)
    const raised = (await flow.learnedPaces(['tenant'])).tenant!
    expect(raised).toBeGreaterThan(20)

    await flow.learn('tenant', { waitMs: 1_000, refused: true })
    const learned = (await flow.learnedPaces(['tenant'])).tenant!
    await sleep(1_000)
    await queueFor(1_200)
    // Once the service has shown its limit, only a quiet minute raises the pace (by 5%).
    expect((await flow.learnedPaces(['tenant'])).tenant).toBe(learned)
  })

  it('never raises the pace past the requestsPerSecond an operator set', async () => {
    const flow = new FlowControl(connect())
    const limits = { defaultRequestsPerSecond: 20, requestsPerSecond: 20 }
    const until = Date.now() + 1_200
    while (Date.now() < until) await flow.reserve('capped', limits)
    expect((await flow.learnedPaces(['capped'])).capped).toBe(0)
  })

  it('lets the request go at once, and says why, when Redis cannot be asked', async () => {
    const broken = connect({ lazyConnect: true, enableOfflineQueue: false })
    const problems: unknown[] = []
    const requests = new FlowControl(broken, undefined, {
      unavailable: (_, error) => problems.push(error),
      capped: () => undefined,
      refused: () => undefined,
      waited: () => undefined,
    }).flowFor('hr', { requestsPerSecond: 1 })
    await requests.beforeSend()
    await requests.beforeSend()
    expect(problems).toHaveLength(2)
  })
})
