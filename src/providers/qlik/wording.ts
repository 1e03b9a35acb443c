/** How the Qlik adapter names what a user owns, in the modal and the thread. */
import type { OwnedAsset } from './ownership.js'
import { KIND_NAMES, KINDS } from './ownership.js'
import { clip } from '../kit/text.js'

// --- wording helpers ----------------------------------------------------------

/** "2 spaces, 1 app and 3 data connections". */
export function countPhrase(assets: OwnedAsset[]): string {
  return joinWords(
    KINDS.flatMap((kind) => {
      const count = assets.filter((asset) => asset.kind === kind).length
      return count === 0 ? [] : [`${count} ${count === 1 ? KIND_NAMES[kind].one : KIND_NAMES[kind].many}`]
    }),
  )
}

/** Counts with the first few names: "2 spaces (Finance, Sales), 1 app (Budget)". */
export function summary(assets: OwnedAsset[]): string {
  return KINDS.flatMap((kind) => {
    const ofKind = assets.filter((asset) => asset.kind === kind)
    if (ofKind.length === 0) return []
    const noun = ofKind.length === 1 ? KIND_NAMES[kind].one : KIND_NAMES[kind].many
    return [`${ofKind.length} ${noun} (${nameList(ofKind, 3, 30)})`]
  }).join(', ')
}

export function nameList(assets: OwnedAsset[], max: number, nameMax = 60): string {
  const names = assets.slice(0, max).map((asset) => clip(asset.name, nameMax))
  return assets.length > max ? `${names.join(', ')} …and ${assets.length - max} more` : names.join(', ')
}

export function joinWords(words: string[]): string {
  if (words.length <= 1) return words.join('')
  return `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`
}

export function assetKey(asset: OwnedAsset): string {
  return `${asset.kind}:${asset.id}`
}
