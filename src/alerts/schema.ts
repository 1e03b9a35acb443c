/** What detectors may send to POST /alerts. Unknown fields are refused so a typo is caught, not ignored. */
import { z } from 'zod'

export const alertReportSchema = z.strictObject({
  integration: z.string().min(1).max(40),
  email: z.email().max(320),
  accountId: z.string().min(1).max(256).optional(),
  name: z.string().min(1).max(200).optional(),
  reason: z.string().trim().min(1).max(3000),
  severity: z.enum(['low', 'medium', 'high', 'critical']).default('medium'),
  dedupKey: z.string().min(1).max(200).optional(),
})

export type AlertReportInput = z.input<typeof alertReportSchema>
