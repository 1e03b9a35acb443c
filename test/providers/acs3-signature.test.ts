/**
 * The V3 signature (ACS3-HMAC-SHA256) against the worked example in Alibaba Cloud's
 * "V3 request structure and signature" documentation: fixed AccessKey, date and
 * nonce for a RunInstances call, with the canonical request, its hash and the
 * signature the documentation publishes.
 */
import { describe, expect, it } from 'vitest'
import {
  EMPTY_BODY_SHA256,
  acsDate,
  canonicalHeaders,
  canonicalQueryString,
  canonicalRequest,
  canonicalUri,
  newNonce,
  parseAuthorization,
  percentEncode,
  signRequest,
  stringToSign,
} from '../../src/providers/alibaba-cloudsso/acs3-signature.js'

// The documentation's fixed inputs.
const EXAMPLE = {
  method: 'POST',
  host: 'ecs.cn-shanghai.aliyuncs.com',
  path: '/',
  query: { ImageId: 'win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd', RegionId: 'cn-shanghai' },
  action: 'RunInstances',
  version: '2014-05-26',
  accessKeyId: 'YourAccessKeyId',
  accessKeySecret: 'YourAccessKeySecret',
  date: new Date('2023-10-26T10:22:32Z'),
  nonce: '3156853299f313e23d1673dc12e1703d',
}

// What the documentation shows for them, byte for byte.
const EXPECTED_CANONICAL_REQUEST = [
  'POST',
  '/',
  'ImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai',
  'host:ecs.cn-shanghai.aliyuncs.com',
  'x-acs-action:RunInstances',
  'x-acs-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  'x-acs-date:2023-10-26T10:22:32Z',
  'x-acs-signature-nonce:3156853299f313e23d1673dc12e1703d',
  'x-acs-version:2014-05-26',
  '',
  'host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version',
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
].join('\n')
const EXPECTED_STRING_TO_SIGN = 'ACS3-HMAC-SHA256\n7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259'
const EXPECTED_SIGNATURE = '06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0'
const EXPECTED_AUTHORIZATION =
  'ACS3-HMAC-SHA256 Credential=YourAccessKeyId,' +
  'SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,' +
  `Signature=${EXPECTED_SIGNATURE}`

describe('ACS3-HMAC-SHA256: the documented worked example', () => {
  const signed = signRequest(EXAMPLE)

  it('builds exactly the documented canonical request', () => {
    expect(signed.canonicalRequest).toBe(EXPECTED_CANONICAL_REQUEST)
  })

  it('hashes it into exactly the documented string to sign', () => {
    expect(signed.stringToSign).toBe(EXPECTED_STRING_TO_SIGN)
    expect(stringToSign(EXPECTED_CANONICAL_REQUEST)).toBe(EXPECTED_STRING_TO_SIGN)
  })

  it('signs it into exactly the documented signature and Authorization header', () => {
    expect(signed.signature).toBe(EXPECTED_SIGNATURE)
    expect(signed.headers.authorization).toBe(EXPECTED_AUTHORIZATION)
  })

  it('sends every signed header with the documented values', () => {
    expect(signed.headers).toEqual({
      host: 'ecs.cn-shanghai.aliyuncs.com',
      'x-acs-action': 'RunInstances',
      'x-acs-version': '2014-05-26',
      'x-acs-date': '2023-10-26T10:22:32Z',
      'x-acs-signature-nonce': '3156853299f313e23d1673dc12e1703d',
      'x-acs-content-sha256': EMPTY_BODY_SHA256,
      authorization: EXPECTED_AUTHORIZATION,
    })
  })

  it('gives a different signature when any signed part changes', () => {
    const variants = [
      signRequest({ ...EXAMPLE, query: { ...EXAMPLE.query, RegionId: 'cn-hangzhou' } }),
      signRequest({ ...EXAMPLE, nonce: 'another-nonce' }),
      signRequest({ ...EXAMPLE, accessKeySecret: 'YourAccessKeySecret&' }),
      signRequest({ ...EXAMPLE, body: '{}', contentType: 'application/json' }),
    ]
    for (const variant of variants) expect(variant.signature).not.toBe(EXPECTED_SIGNATURE)
  })
})

describe('ACS3-HMAC-SHA256: canonical forms', () => {
  it("percent-encodes as RFC 3986: space is %20, and !'()* are escaped too", () => {
    expect(percentEncode("a b+c*d~e!f'g(h)i/j@k")).toBe('a%20b%2Bc%2Ad~e%21f%27g%28h%29i%2Fj%40k')
    expect(percentEncode('é')).toBe('%C3%A9')
    expect(percentEncode('-_.~AZaz09')).toBe('-_.~AZaz09')
  })

  it('sorts query parameters by name and encodes their values', () => {
    expect(canonicalQueryString({ MaxResults: '1', Filter: 'UserName eq alice@example.com', DirectoryId: 'd-1' })).toBe(
      'DirectoryId=d-1&Filter=UserName%20eq%20alice%40example.com&MaxResults=1',
    )
    expect(canonicalQueryString({})).toBe('')
  })

  it('sorts in code-unit order, so upper case comes before lower case', () => {
    expect(canonicalQueryString({ b: '1', B: '2', a: '3' })).toBe('B=2&a=3&b=1')
  })

  it('lower-cases, trims and sorts headers, and lists the signed names', () => {
    expect(canonicalHeaders({ 'X-Acs-Version': ' 2021-05-15 ', Host: 'h', 'x-acs-action': 'GetUser' })).toEqual({
      canonical: 'host:h\nx-acs-action:GetUser\nx-acs-version:2021-05-15\n',
      names: ['host', 'x-acs-action', 'x-acs-version'],
    })
  })

  it('uses / for an empty path and applies the path substitutions', () => {
    expect(canonicalUri('')).toBe('/')
    expect(canonicalUri('/a+b/c*d/%7Ee')).toBe('/a%20b/c%2Ad/~e')
  })

  it('separates the canonical headers from SignedHeaders with a blank line', () => {
    const text = canonicalRequest({ method: 'post', path: '/', query: {}, headers: { host: 'h' }, hashedPayload: EMPTY_BODY_SHA256 })
    expect(text).toBe(`POST\n/\n\nhost:h\n\nhost\n${EMPTY_BODY_SHA256}`)
  })

  it('formats x-acs-date as UTC to the second, without milliseconds', () => {
    expect(acsDate(new Date('2024-02-29T23:59:58.987Z'))).toBe('2024-02-29T23:59:58Z')
  })

  it('makes a fresh 32-character hex nonce each time', () => {
    const nonces = new Set(Array.from({ length: 50 }, () => newNonce()))
    expect(nonces.size).toBe(50)
    for (const nonce of nonces) expect(nonce).toMatch(/^[0-9a-f]{32}$/)
  })

  it('reads an Authorization header back, and refuses one that is not ACS3', () => {
    expect(parseAuthorization(EXPECTED_AUTHORIZATION)).toEqual({
      algorithm: 'ACS3-HMAC-SHA256',
      credential: 'YourAccessKeyId',
      signedHeaders: ['host', 'x-acs-action', 'x-acs-content-sha256', 'x-acs-date', 'x-acs-signature-nonce', 'x-acs-version'],
      signature: EXPECTED_SIGNATURE,
    })
    expect(parseAuthorization('Bearer abc')).toBeUndefined()
    expect(parseAuthorization('ACS3-HMAC-SHA256 Credential=x')).toBeUndefined()
    expect(parseAuthorization(undefined)).toBeUndefined()
  })
})
