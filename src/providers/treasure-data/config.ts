/** The providers file entry of a Treasure Data account. */
import { z } from 'zod'
import { COMMON_FIELDS, httpUrl, type Secret } from '../kit/config.js'

/** Treasure Data's API regions and their hosts. */
export const TREASURE_DATA_REGIONS = ['US', 'Tokyo', 'EU01', 'AP02', 'AP03'] as const
export const TREASURE_DATA_HOSTS: Record<(typeof TREASURE_DATA_REGIONS)[number], string> = {
  US: 'https://api.treasuredata.com',
  Tokyo: 'https://api.treasuredata.co.jp',
  EU01: 'https://api.eu01.treasuredata.com',
  AP02: 'https://api.ap02.treasuredata.com',
  AP03: 'https://api.ap03.treasuredata.com',
}

export const treasureDataSchema = (secret: Secret) =>
  z
    .object({
      ...COMMON_FIELDS,
      type: z.literal('treasure-data'),
      region: z.enum(TREASURE_DATA_REGIONS).optional(),
      baseUrl: httpUrl.optional(),
      /** A master API key of the account owner or an administrator. */
      apiKey: secret,
    })
    .refine((entry) => entry.region !== undefined || entry.baseUrl !== undefined, {
      message: `expected a region (${TREASURE_DATA_REGIONS.join(', ')}) or a baseUrl`,
      path: ['region'],
    })

export type TreasureDataIntegration = z.infer<ReturnType<typeof treasureDataSchema>>
