/** Reads the confirmation modal's private_metadata back, refusing anything that is not ours. */
import { z } from 'zod'
import type { ModalContext } from '../../../constants.js'
import { ACTIONS } from '../../../providers/types.js'

const modalContextSchema = z.object({
  alertId: z.string().min(1).max(64),
  action: z.enum(ACTIONS),
  accountId: z.string().max(256).optional(),
})

export function parseModalContext(metadata: string | undefined): ModalContext | null {
  try {
    const parsed = modalContextSchema.safeParse(JSON.parse(metadata ?? ''))
    return parsed.success ? parsed.data : null
  } catch {
    return null
  }
}
