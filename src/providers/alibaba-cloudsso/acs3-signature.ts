/**
 * Alibaba Cloud's V3 request signature (ACS3-HMAC-SHA256), as pure functions so
 * the adapter signs with them and the sandbox verifies with the same steps.
 *
 * Steps (Alibaba Cloud "V3 request structure and signature", and the official
 * @alicloud/openapi-util getAuthorization):
 * 1. CanonicalRequest = METHOD \n CanonicalURI \n CanonicalQueryString \n
 *    CanonicalHeaders \n SignedHeaders \n HashedRequestPayload
 *    (CanonicalHeaders ends in \n, so a blank line precedes SignedHeaders).
 * 2. StringToSign = "ACS3-HMAC-SHA256" \n hex(SHA-256(CanonicalRequest)).
 * 3. Signature = hex(HMAC-SHA256(AccessKeySecret, StringToSign)): the raw secret, no "&" as in V2.
 * 4. Authorization: ACS3-HMAC-SHA256 Credential=<AccessKeyId>,SignedHeaders=<a;b>,Signature=<hex>
 */
import { createHash, createHmac, randomBytes } from 'node:crypto'

export const ACS3_ALGORITHM = 'ACS3-HMAC-SHA256'
/** SHA-256 of an empty body: what RPC calls with every parameter in the query string send. */
export const EMPTY_BODY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex')
}

export function hmacSha256Hex(secret: string, data: string): string {
  return createHmac('sha256', secret).update(data).digest('hex')
}

/**
 * RFC 3986 percent-encoding: encodeURIComponent plus the five characters it leaves
 * alone (!'()*), so only A-Z a-z 0-9 - _ . ~ stay literal; a space is %20, never +.
 */
export function percentEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`)
}

/**
 * Parameters sorted by name (code-unit order, as the SDKs sort), each `name=value`
 * with both percent-encoded, joined with &. An empty query gives an empty string.
 */
export function canonicalQueryString(query: Readonly<Record<string, string>>): string {
  return Object.keys(query)
    .sort()
    .map((name) => `${percentEncode(name)}=${percentEncode(query[name] ?? '')}`)
    .join('&')
}

/** The path as sent, with the three substitutions the signature spec asks for; "/" for RPC calls. */
export function canonicalUri(path: string): string {
  if (path === '') return '/'
  return path.replace(/\+/g, '%20').replace(/\*/g, '%2A').replace(/%7E/gi, '~')
}

/** Headers that take part in the signature: host, content-type and every x-acs-* header. */
export function isSignedHeader(name: string): boolean {
  const lower = name.toLowerCase()
  return lower === 'host' || lower === 'content-type' || lower.startsWith('x-acs-')
}

export interface CanonicalHeaders {
  /** `name:value\n` per header, names lower-case and sorted, values trimmed. */
  canonical: string
  /** The same names, sorted: SignedHeaders is these joined with ";". */
  names: string[]
}

/** Canonicalises the headers given (the caller chooses which: isSignedHeader, or the request's SignedHeaders). */
export function canonicalHeaders(headers: Readonly<Record<string, string>>): CanonicalHeaders {
  const byName = new Map<string, string[]>()
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase()
    byName.set(lower, [...(byName.get(lower) ?? []), value.trim()])
  }
  const names = [...byName.keys()].sort()
  const canonical = names.map((name) => `${name}:${(byName.get(name) ?? []).sort().join(',')}\n`).join('')
  return { canonical, names }
}

export interface CanonicalRequestInput {
  method: string
  /** The request path; "/" for RPC. */
  path: string
  /** Decoded parameter values. */
  query: Readonly<Record<string, string>>
  /** Only the headers to sign. */
  headers: Readonly<Record<string, string>>
  /** Lower-case hex SHA-256 of the body (x-acs-content-sha256). */
  hashedPayload: string
}

export function canonicalRequest(input: CanonicalRequestInput): string {
  const headers = canonicalHeaders(input.headers)
  return [
    input.method.toUpperCase(),
    canonicalUri(input.path),
    canonicalQueryString(input.query),
    headers.canonical,
    headers.names.join(';'),
    input.hashedPayload,
  ].join('\n')
}

export function stringToSign(canonical: string): string {
  return `${ACS3_ALGORITHM}\n${sha256Hex(canonical)}`
}

export function signature(accessKeySecret: string, toSign: string): string {
  return hmacSha256Hex(accessKeySecret, toSign)
}

export function authorizationHeader(accessKeyId: string, signedHeaders: readonly string[], signatureHex: string): string {
  return `${ACS3_ALGORITHM} Credential=${accessKeyId},SignedHeaders=${signedHeaders.join(';')},Signature=${signatureHex}`
}

export interface ParsedAuthorization {
  algorithm: string
  credential: string
  signedHeaders: string[]
  signature: string
}

/** Reads an ACS3 Authorization header; undefined when it is not one. */
export function parseAuthorization(header: string | undefined): ParsedAuthorization | undefined {
  const match = /^(ACS3-[A-Z0-9-]+)\s+(.*)$/.exec(header?.trim() ?? '')
  if (!match?.[1] || match[2] === undefined) return undefined
  const fields = new Map<string, string>()
  for (const part of match[2].split(',')) {
    const [name, ...rest] = part.split('=')
    if (name && rest.length > 0) fields.set(name.trim(), rest.join('=').trim())
  }
  const credential = fields.get('Credential')
  const signedHeaders = fields.get('SignedHeaders')
  const signatureHex = fields.get('Signature')
  if (!credential || !signedHeaders || !signatureHex) return undefined
  return { algorithm: match[1], credential, signedHeaders: signedHeaders.split(';').filter(Boolean), signature: signatureHex }
}

/** x-acs-date: UTC, ISO 8601 to the second, e.g. 2023-10-26T10:22:32Z. */
export function acsDate(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z')
}

/** A fresh x-acs-signature-nonce: 32 hex characters, unique per request (the service refuses a repeat). */
export function newNonce(): string {
  return randomBytes(16).toString('hex')
}

export interface SignInput {
  method: string
  /** host[:port], exactly as the Host header will carry it. */
  host: string
  path: string
  query: Readonly<Record<string, string>>
  /** The body as sent; leave out for none (every RPC parameter travels in the query). */
  body?: string | Uint8Array
  /** Sent and signed when there is a body. */
  contentType?: string
  action: string
  version: string
  accessKeyId: string
  accessKeySecret: string
  date: Date
  nonce: string
  /** STS credentials only. */
  securityToken?: string
}

export interface SignedRequest {
  /** Every header to send, Authorization included; names lower-case. */
  headers: Record<string, string>
  canonicalRequest: string
  stringToSign: string
  signature: string
}

export function signRequest(input: SignInput): SignedRequest {
  const hashedPayload = input.body === undefined ? EMPTY_BODY_SHA256 : sha256Hex(input.body)
  const signed: Record<string, string> = {
    host: input.host,
    'x-acs-action': input.action,
    'x-acs-version': input.version,
    'x-acs-date': acsDate(input.date),
    'x-acs-signature-nonce': input.nonce,
    'x-acs-content-sha256': hashedPayload,
    ...(input.contentType && input.body !== undefined ? { 'content-type': input.contentType } : {}),
    ...(input.securityToken ? { 'x-acs-security-token': input.securityToken } : {}),
  }
  const canonical = canonicalRequest({ method: input.method, path: input.path, query: input.query, headers: signed, hashedPayload })
  const toSign = stringToSign(canonical)
  const signatureHex = signature(input.accessKeySecret, toSign)
  const names = canonicalHeaders(signed).names
  return {
    headers: { ...signed, authorization: authorizationHeader(input.accessKeyId, names, signatureHex) },
    canonicalRequest: canonical,
    stringToSign: toSign,
    signature: signatureHex,
  }
}
