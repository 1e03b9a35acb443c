/** A Treasure Data account: how it is configured and built. */
import { defineProvider } from '../kit/config.js'
import { createTreasureDataProvider } from './adapter.js'
import { treasureDataSchema } from './config.js'

export const treasureDataProvider = defineProvider({
  type: 'treasure-data',
  schema: treasureDataSchema,
  create: createTreasureDataProvider,
  credentialsNeeded: 'a master API key of the account owner or an administrator',
})
