/**
 * deploy/kubernetes as an operator applies it: the base and the example overlay rendered, every object
 * checked against the Kubernetes API schemas (kubernetes-models), and the promises the manifests make:
 * two web replicas behind a Service and a PodDisruptionBudget, a worker, probes on /readyz and /healthz,
 * no root, time to stop cleanly, the providers file from a ConfigMap and the secrets from a Secret.
 */
import { describe, expect, it } from 'vitest'
import { STOP_DEADLINE_MS } from '../../src/runtime.js'
import { renderKustomization, type KubernetesObject } from '../support/kustomize.js'

const base = renderKustomization('deploy/kubernetes/base')
const overlay = renderKustomization('deploy/kubernetes/overlays/example')

interface Container {
  image: string
  env?: Array<{ name: string; value?: string }>
  envFrom?: Array<{ secretRef?: { name: string } }>
  readinessProbe?: { httpGet?: { path: string } }
  livenessProbe?: { httpGet?: { path: string } }
  resources?: { requests?: object; limits?: object }
  securityContext?: { allowPrivilegeEscalation?: boolean }
}
interface PodSpec {
  terminationGracePeriodSeconds?: number
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number }
  containers: Container[]
  volumes?: Array<{ configMap?: { name: string } }>
}
interface Deployment extends KubernetesObject {
  spec: { replicas: number; selector: { matchLabels: Record<string, string> }; template: { metadata: { labels: Record<string, string> }; spec: PodSpec } }
}

const find = <T extends KubernetesObject>(objects: KubernetesObject[], kind: string, name: string) => {
  const found = objects.find((object) => object.kind === kind && object.metadata.name === name)
  if (!found) throw new Error(`no ${kind} ${name} rendered`)
  return found as T
}
const roleOf = (deployment: Deployment) => deployment.spec.template.spec.containers[0]?.env?.find((variable) => variable.name === 'BOT_ROLE')?.value

/** Each object validated by the kubernetes-models class of its apiVersion and kind; answers the problems found. */
async function schemaProblems(objects: KubernetesObject[]): Promise<string[]> {
  const problems: string[] = []
  for (const object of objects) {
    const label = `${object.kind} ${object.metadata.name}`
    let Model: new (data: object) => { validate(): void }
    try {
      const module = (await import(`kubernetes-models/${object.apiVersion}/${object.kind}`)) as Record<string, typeof Model>
      Model = module[object.kind]!
    } catch {
      problems.push(`${label}: no such kind in ${object.apiVersion}`)
      continue
    }
    try {
      new Model(object).validate()
    } catch (error) {
      problems.push(`${label}: ${(error as Error).message}`)
    }
  }
  return problems
}

describe('the Kubernetes base', () => {
  it('renders objects the Kubernetes API accepts', async () => {
    expect(base.map((object) => `${object.kind}/${object.metadata.name}`).sort()).toEqual([
      'ConfigMap/deprovision-bot-providers',
      'Deployment/deprovision-bot-web',
      'Deployment/deprovision-bot-worker',
      'PodDisruptionBudget/deprovision-bot-web',
      'Service/deprovision-bot',
    ])
    expect(await schemaProblems(base)).toEqual([])
  })

  it('runs two web replicas and a worker, each probed, limited, non-root and given time to stop', () => {
    const web = find<Deployment>(base, 'Deployment', 'deprovision-bot-web')
    const worker = find<Deployment>(base, 'Deployment', 'deprovision-bot-worker')
    expect([web.spec.replicas, roleOf(web), roleOf(worker)]).toEqual([2, 'web', 'worker'])
    for (const deployment of [web, worker]) {
      const pod = deployment.spec.template.spec
      const [container] = pod.containers
      expect(container?.readinessProbe?.httpGet?.path).toBe('/readyz')
      expect(container?.livenessProbe?.httpGet?.path).toBe('/healthz')
      expect(container?.resources?.requests).toBeDefined()
      expect(container?.resources?.limits).toBeDefined()
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 })
      expect(container?.securityContext?.allowPrivilegeEscalation).toBe(false)
      // Kubernetes kills the pod after the grace period: the bot's own deadline must come first.
      expect((pod.terminationGracePeriodSeconds ?? 30) * 1000).toBeGreaterThan(STOP_DEADLINE_MS)
      expect(container?.envFrom).toEqual([{ secretRef: { name: 'deprovision-bot' } }])
      expect(pod.volumes?.map((volume) => volume.configMap?.name)).toEqual(['deprovision-bot-providers'])
    }
  })

  it('sends the Service and the disruption budget to the web replicas only', () => {
    const web = find<Deployment>(base, 'Deployment', 'deprovision-bot-web')
    const podLabels = web.spec.template.metadata.labels
    const service = find<KubernetesObject & { spec: { selector: Record<string, string> } }>(base, 'Service', 'deprovision-bot')
    const budget = find<KubernetesObject & { spec: { minAvailable: number; selector: { matchLabels: Record<string, string> } } }>(
      base,
      'PodDisruptionBudget',
      'deprovision-bot-web',
    )
    expect(service.spec.selector).toEqual(podLabels)
    expect(budget.spec.selector.matchLabels).toEqual(podLabels)
    expect(budget.spec.minAvailable).toBeLessThan(web.spec.replicas)
  })
})

describe('the example overlay', () => {
  it('puts everything in its namespace with its image, providers file and web replicas, still valid', async () => {
    expect(await schemaProblems(overlay)).toEqual([])
    expect(new Set(overlay.map((object) => object.metadata.namespace))).toEqual(new Set(['security-bots']))
    const web = find<Deployment>(overlay, 'Deployment', 'deprovision-bot-web')
    expect(web.spec.replicas).toBe(3)
    expect(web.spec.template.spec.containers[0]?.image).toBe('registry.example.com/security/deprovision-bot:0.1.0')
    expect(roleOf(web)).toBe('web')
    expect(find<KubernetesObject & { data: Record<string, string> }>(overlay, 'ConfigMap', 'deprovision-bot-providers').data['providers.yml']).toContain(
      'type: scim',
    )
  })
})
