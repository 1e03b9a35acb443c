/**
 * Renders a kustomization as `kubectl kustomize` would, for the few features deploy/kubernetes uses
 * (resources, namespace, images, configMapGenerator, patches that merge maps). Anything else is
 * refused, so a kustomization that grows past this renderer fails loudly instead of rendering wrong.
 * Generated ConfigMaps keep their plain names: kustomize's hash suffix changes nothing checked here.
 */
import { readFileSync, statSync } from 'node:fs'
import { basename, join } from 'node:path'
import { parseAllDocuments, parse as parseYaml } from 'yaml'

export type KubernetesObject = {
  apiVersion: string
  kind: string
  metadata: { name: string; namespace?: string; [key: string]: unknown }
  [key: string]: unknown
}

interface Kustomization {
  resources?: string[]
  namespace?: string
  images?: Array<{ name: string; newName?: string; newTag?: string }>
  configMapGenerator?: Array<{ name: string; files: string[]; behavior?: 'create' | 'replace' }>
  patches?: Array<{ path: string }>
}
const SUPPORTED = new Set(['apiVersion', 'kind', 'resources', 'namespace', 'images', 'configMapGenerator', 'patches'])

export function renderKustomization(directory: string): KubernetesObject[] {
  const kustomization = parseYaml(readFileSync(join(directory, 'kustomization.yaml'), 'utf8')) as Kustomization
  const unsupported = Object.keys(kustomization).filter((key) => !SUPPORTED.has(key))
  if (unsupported.length > 0) throw new Error(`${directory}: this renderer does not support ${unsupported.join(', ')}`)

  let objects = (kustomization.resources ?? []).flatMap((resource) => {
    const path = join(directory, resource)
    return statSync(path).isDirectory() ? renderKustomization(path) : readObjects(path)
  })
  for (const generator of kustomization.configMapGenerator ?? []) {
    const configMap: KubernetesObject = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: generator.name },
      data: Object.fromEntries(generator.files.map((file) => [basename(file), readFileSync(join(directory, file), 'utf8')])),
    }
    const existing = objects.findIndex((object) => object.kind === 'ConfigMap' && object.metadata.name === generator.name)
    if ((generator.behavior === 'replace') !== existing >= 0)
      throw new Error(`${directory}: ConfigMap ${generator.name}: behavior ${generator.behavior ?? 'create'} does not fit`)
    objects = existing >= 0 ? objects.with(existing, configMap) : [...objects, configMap]
  }
  for (const patch of kustomization.patches ?? []) {
    for (const change of readObjects(join(directory, patch.path))) {
      const target = objects.findIndex((object) => object.kind === change.kind && object.metadata.name === change.metadata.name)
      if (target < 0) throw new Error(`${directory}: patch ${patch.path}: no ${change.kind} ${change.metadata.name}`)
      objects = objects.with(target, mergeMaps(objects[target]!, change) as KubernetesObject)
    }
  }
  return objects.map((object) => withImages(withNamespace(object, kustomization.namespace), kustomization.images ?? []))
}

function readObjects(path: string): KubernetesObject[] {
  return parseAllDocuments(readFileSync(path, 'utf8')).map((document) => {
    if (document.errors.length > 0) throw new Error(`${path}: ${document.errors[0]?.message}`)
    return document.toJS() as KubernetesObject
  })
}

/** Maps merge key by key; anything else (lists included) is replaced, as a patch without list merge keys does. */
function mergeMaps(base: unknown, change: unknown): unknown {
  if (!isMap(base) || !isMap(change)) return change
  return Object.fromEntries(
    [...new Set([...Object.keys(base), ...Object.keys(change)])].map((key) => [key, key in change ? mergeMaps(base[key], change[key]) : base[key]]),
  )
}

const isMap = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)

function withNamespace(object: KubernetesObject, namespace: string | undefined): KubernetesObject {
  return namespace ? { ...object, metadata: { ...object.metadata, namespace } } : object
}

/** `images:` rewrites every container image named `name` (with or without a tag). */
function withImages(object: KubernetesObject, images: NonNullable<Kustomization['images']>): KubernetesObject {
  if (images.length === 0) return object
  return JSON.parse(JSON.stringify(object), (key, value: unknown) => {
    if (key !== 'image' || typeof value !== 'string') return value
    const [name, tag] = value.split(':')
    const image = images.find((candidate) => candidate.name === name)
    return image ? `${image.newName ?? name}${(image.newTag ?? tag) ? `:${image.newTag ?? tag}` : ''}` : value
  }) as KubernetesObject
}
