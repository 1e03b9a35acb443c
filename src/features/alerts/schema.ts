/**
 * What detectors may send to POST /alerts: a person's account, or (for services that
 * provision permission sets on cloud accounts) an access configuration still
 * provisioned on an account. Unknown fields are refused so a typo is caught, not ignored.
 */
import { z } from 'zod'
import { SEVERITIES, type AlertReport } from '../../domain/alert.js'

const common = {
  integration: z.string().min(1).max(40),
  reason: z.string().trim().min(1).max(3000),
  severity: z.enum(SEVERITIES).default('medium'),
  dedupKey: z.string().min(1).max(200).optional(),
  /** The detector's name, which routing rules may match (`source:` in the routes file). */
  source: z.string().trim().min(1).max(100).optional(),
}

export const alertReportSchema = z.strictObject({
  ...common,
  email: z.email().max(320),
  accountId: z.string().min(1).max(256).optional(),
  name: z.string().min(1).max(200).optional(),
})

const CLOUD_ID = /^[A-Za-z0-9._:-]{1,128}$/

export const accessAlertSchema = z.strictObject({
  ...common,
  accessConfigurationId: z.string().regex(CLOUD_ID, 'expected an access configuration id'),
  /** The account the access configuration is provisioned on. */
  targetId: z.string().regex(CLOUD_ID, 'expected the id of the account it is provisioned on'),
  name: z.string().min(1).max(200).optional(),
})

export type AlertReportInput = z.input<typeof alertReportSchema>

/** Parses either kind of alert; which schema applies is decided by the presence of accessConfigurationId. */
export function parseAlertReport(body: unknown): { success: true; data: AlertReport } | { success: false; error: z.ZodError } {
  const isAccess = typeof body === 'object' && body !== null && 'accessConfigurationId' in body
  if (!isAccess) {
    const parsed = alertReportSchema.safeParse(body)
    if (!parsed.success) return parsed
    const { dedupKey, ...rest } = parsed.data
    return { success: true, data: { ...rest, ...detectorDedup(dedupKey) } }
  }
  const parsed = accessAlertSchema.safeParse(body)
  if (!parsed.success) return parsed
  const { accessConfigurationId, targetId, dedupKey, ...rest } = parsed.data
  return {
    success: true,
    data: {
      ...rest,
      ...detectorDedup(dedupKey),
      email: `access configuration ${accessConfigurationId} on account ${targetId}`,
      access: { accessConfigurationId, targetId },
    },
  }
}

/** A key sent to POST /alerts is the detector's, whatever it looks like. */
function detectorDedup(key: string | undefined): Pick<AlertReport, 'dedup'> {
  return key === undefined ? {} : { dedup: { origin: 'detector', key } }
}
