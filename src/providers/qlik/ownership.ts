/** What a Qlik user owns (spaces, apps, scripts, data connections, reload tasks), read before a delete. */
import type { Context } from './adapter.js'
import { z } from 'zod'
import type { QueryValue } from '../kit/http.js'
import { connectionSchema, itemSchema, listAll, PAGE_LIMIT, reloadTaskSchema, spaceSchema } from './adapter.js'
import { ProviderError } from '../problems.js'

// --- what a user owns ---------------------------------------------------------

export type AssetKind = 'space' | 'app' | 'script' | 'data-connection' | 'reload-task'

export interface OwnedAsset {
  kind: AssetKind
  /** The id the reassignment call takes (app id for apps and scripts, qID for connections). */
  id: string
  name: string
  /** Data connections only: in the owner's personal space (no space id). */
  personal?: boolean
  /** Reload schedules only: the app (or script) they reload. */
  appId?: string
}

export const KINDS: readonly AssetKind[] = ['space', 'app', 'script', 'data-connection', 'reload-task']
export const KIND_NAMES: Record<AssetKind, { one: string; many: string }> = {
  space: { one: 'space', many: 'spaces' },
  app: { one: 'app', many: 'apps' },
  script: { one: 'script', many: 'scripts' },
  'data-connection': { one: 'data connection', many: 'data connections' },
  'reload-task': { one: 'reload schedule', many: 'reload schedules' },
}

/** Everything the user owns that the integration's admin can list, in a fixed order of kinds. */
export async function ownedAssets(ctx: Context, userId: string): Promise<OwnedAsset[]> {
  // When one listing fails the others stop paging: nothing would use their answers.
  const stop = new AbortController()
  const list = <T extends z.ZodType>(path: string, query: Record<string, QueryValue>, item: T, what: string) =>
    listAll(ctx, path, query, item, what, { signal: stop.signal }).catch((error: unknown) => {
      stop.abort()
      throw error
    })
  const [spaces, apps, scripts, connections, tasks] = await Promise.all([
    list('/api/v1/spaces', { ownerId: userId, limit: PAGE_LIMIT }, spaceSchema, 'spaces'),
    list('/api/v1/items', itemQuery('app', userId), itemSchema, 'apps'),
    list('/api/v1/items', itemQuery('script', userId), itemSchema, 'scripts'),
    list('/api/v1/data-connections', { userId, noDatafiles: true, limit: PAGE_LIMIT }, connectionSchema, 'data connections'),
    // The reload-tasks list has no owner filter: read them all and keep this user's.
    list('/api/v1/reload-tasks', { limit: PAGE_LIMIT }, reloadTaskSchema, 'reload schedules'),
  ])
  // A filter the service ignored must not make someone else's asset look like theirs.
  const theirs = (ownerId: string | undefined) => ownerId === undefined || ownerId === userId
  const items = (kind: 'app' | 'script', list: z.infer<typeof itemSchema>[]) =>
    list.filter((item) => theirs(item.ownerId)).map((item): OwnedAsset => ({ kind, id: item.resourceId ?? item.id, name: item.name || item.id }))
  const owned = [
    ...spaces.filter((space) => theirs(space.ownerId)).map((space): OwnedAsset => ({ kind: 'space', id: space.id, name: space.name || space.id })),
    ...items('app', apps),
    ...items('script', scripts),
    ...connections
      .filter((connection) => theirs(connection.user))
      .map((connection): OwnedAsset => ({
        kind: 'data-connection',
        id: connection.qID,
        name: connection.qName || connection.qID,
        personal: !connection.space,
      })),
  ]
  const theirTasks = tasks.filter((task) => task.userId === userId)
  const appNames = await namesOfApps(
    ctx,
    owned,
    theirTasks.flatMap((task) => (task.appId ? [task.appId] : [])),
  )
  return [
    ...owned,
    ...theirTasks.map((task): OwnedAsset => ({
      kind: 'reload-task',
      id: task.id,
      name: task.appId ? (appNames.get(task.appId) ?? `app ${task.appId}`) : `schedule ${task.id}`,
      ...(task.appId ? { appId: task.appId } : {}),
    })),
  ]
}

function itemQuery(kind: 'app' | 'script', userId: string): Record<string, QueryValue> {
  return { resourceType: kind, ownerId: userId, noActions: true, limit: PAGE_LIMIT }
}

/**
 * Names of the apps reload schedules belong to, so the modal names the app rather
 * than an id. Schedules on apps of others need a lookup (`resourceIds`, at most 100
 * per call); the names are only for reading, so a failed lookup falls back to ids.
 */
async function namesOfApps(ctx: Context, owned: OwnedAsset[], appIds: string[]): Promise<Map<string, string>> {
  const names = new Map(owned.filter((asset) => asset.kind === 'app' || asset.kind === 'script').map((asset) => [asset.id, asset.name]))
  const unknown = [...new Set(appIds.filter((id) => !names.has(id)))]
  for (let start = 0; start < unknown.length; start += PAGE_LIMIT) {
    const ids = unknown.slice(start, start + PAGE_LIMIT)
    try {
      const query = { resourceType: 'app,script', resourceIds: ids.join(','), noActions: true, limit: PAGE_LIMIT }
      const found = await listAll(ctx, '/api/v1/items', query, itemSchema, 'apps')
      for (const item of found) if (item.resourceId && item.name) names.set(item.resourceId, item.name)
    } catch (error) {
      if (!(error instanceof ProviderError)) throw error
    }
  }
  return names
}
