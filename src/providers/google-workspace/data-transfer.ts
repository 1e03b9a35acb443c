/**
 * Google's Admin SDK Data Transfer API, for handing a person's files to someone else
 * before their account is deleted: which applications can be handed over (`GET
 * applications`: Drive and Docs, Calendar), starting a transfer (`POST transfers`)
 * and reading how far it has come (`GET transfers/{id}`). The calls go through the
 * caller's `send` (the Google adapter's authorized client); the rest here is pure.
 */
import { z } from 'zod'
import type { HttpRequest, HttpResponse } from '../kit/http.js'
import { unreadable } from '../kit/errors.js'

export const DATATRANSFER_PATH = '/admin/datatransfer/v1'
/** The names Google gives the applications in `GET applications`; their ids are read from there, never assumed. */
export const DRIVE_APPLICATION_NAME = 'Drive and Docs'
export const CALENDAR_APPLICATION_NAME = 'Calendar'
/** Every file they own, shared or private (Google's transfer parameters reference). */
export const DRIVE_TRANSFER_PARAMS = [{ key: 'PRIVACY_LEVEL', value: ['PRIVATE', 'SHARED'] }]
/** Their events, and the rooms and resources those events booked, move to the new owner. */
export const CALENDAR_TRANSFER_PARAMS = [{ key: 'RELEASE_RESOURCES', value: ['TRUE'] }]
const MAX_APPLICATION_PAGES = 5

export const applicationSchema = z.object({ id: z.string().min(1), name: z.string().optional() })
export const applicationListSchema = z.object({ applications: z.array(applicationSchema).optional(), nextPageToken: z.string().optional() })
export const dataTransferSchema = z.object({
  id: z.string().min(1),
  overallTransferStatusCode: z.string().optional(),
  applicationDataTransfers: z.array(z.object({ applicationId: z.string().optional(), applicationTransferStatus: z.string().optional() })).optional(),
})
export type DataTransfer = z.infer<typeof dataTransferSchema>

export interface TransferApplication {
  id: string
  name: string
}

/** What can be handed over: Drive always (else there is no hand-over), Calendar where Google lists it. */
export interface TransferApplications {
  drive: TransferApplication
  calendar?: TransferApplication
}

export type Send = (request: HttpRequest) => Promise<HttpResponse<unknown>>

/** The Drive and Calendar applications, by name; undefined when Google lists no Drive application. */
export async function readTransferApplications(send: Send): Promise<TransferApplications | undefined> {
  const found: TransferApplication[] = []
  let pageToken: string | undefined
  for (let page = 0; page < MAX_APPLICATION_PAGES; page++) {
    const response = await send({ method: 'GET', path: `${DATATRANSFER_PATH}/applications`, query: { customerId: 'my_customer', pageToken } })
    const parsed = applicationListSchema.safeParse(response.body)
    if (!parsed.success) throw unreadable('Google', response.status, 'GET applications', 'a list of Data Transfer applications')
    found.push(...(parsed.data.applications ?? []).map((app) => ({ id: app.id, name: app.name ?? app.id })))
    pageToken = parsed.data.nextPageToken
    if (!pageToken) break
  }
  const drive = found.find((app) => app.name === DRIVE_APPLICATION_NAME)
  const calendar = found.find((app) => app.name === CALENDAR_APPLICATION_NAME)
  return drive ? { drive, ...(calendar ? { calendar } : {}) } : undefined
}

/** The body of transfers.insert: every Drive file, and Calendar data where asked. */
export function transferRequestBody(
  oldOwnerUserId: string,
  newOwnerUserId: string,
  applications: readonly TransferApplication[],
  calendarId?: string,
): unknown {
  return {
    oldOwnerUserId,
    newOwnerUserId,
    applicationDataTransfers: applications.map((app) => ({
      applicationId: app.id,
      applicationTransferParams: app.id === calendarId ? CALENDAR_TRANSFER_PARAMS : DRIVE_TRANSFER_PARAMS,
    })),
  }
}

export async function startTransfer(send: Send, body: unknown): Promise<DataTransfer> {
  const response = await send({ method: 'POST', path: `${DATATRANSFER_PATH}/transfers`, json: body })
  return parseTransfer(response, 'POST transfers')
}

export async function readTransfer(send: Send, id: string): Promise<DataTransfer> {
  const response = await send({ method: 'GET', path: `${DATATRANSFER_PATH}/transfers/${encodeURIComponent(id)}` })
  return parseTransfer(response, 'GET transfers/{dataTransferId}')
}

function parseTransfer(response: HttpResponse<unknown>, call: string): DataTransfer {
  const parsed = dataTransferSchema.safeParse(response.body)
  if (!parsed.success) throw unreadable('Google', response.status, call, 'a data transfer')
  return parsed.data
}

export type TransferStatus =
  | { kind: 'completed' }
  /** The applications whose part failed (all of them when Google names none). */
  | { kind: 'failed'; failed: TransferApplication[] }
  | { kind: 'running'; done: number }

/**
 * Completed only when Google says the whole transfer completed and no application's
 * part says otherwise; failed when the whole transfer or any part failed.
 */
export function transferStatus(transfer: DataTransfer, applications: readonly TransferApplication[]): TransferStatus {
  const parts = transfer.applicationDataTransfers ?? []
  const statusOf = (app: TransferApplication) => parts.find((part) => part.applicationId === app.id)?.applicationTransferStatus
  const failed = applications.filter((app) => statusOf(app) === 'failed')
  if (failed.length > 0) return { kind: 'failed', failed }
  if (transfer.overallTransferStatusCode === 'failed') return { kind: 'failed', failed: [...applications] }
  const done = applications.filter((app) => statusOf(app) === 'completed').length
  if (
    transfer.overallTransferStatusCode === 'completed' &&
    parts.every((part) => part.applicationTransferStatus === undefined || part.applicationTransferStatus === 'completed')
  ) {
    return { kind: 'completed' }
  }
  return { kind: 'running', done }
}
