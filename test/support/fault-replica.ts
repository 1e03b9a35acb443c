/**
 * One replica of the bot in a process of its own, for the fault tests that kill it, stop it
 * or run several side by side. Its configuration and runtime options arrive as JSON in
 * FAULT_REPLICA (written by `startReplica` in fault-replicas.ts). It logs JSON lines on
 * stdout, prints `{"replica":"started","url":...}` once up, and stops on SIGTERM exactly as
 * src/main.ts does. It exits when its parent goes away (stdin closes), so none outlives a run.
 */
import { createLogger } from '../../src/logger.js'
import { exitOnSignals, startRuntime } from '../../src/runtime.js'
import type { ReplicaSpec } from './fault-replicas.js'

const spec = JSON.parse(process.env.FAULT_REPLICA ?? '{}') as ReplicaSpec
const logger = createLogger('info')
const runtime = await startRuntime({ ...spec.config, actors: new Set(spec.config.actors) }, { ...spec.options, logger, host: '127.0.0.1' })
process.stdout.write(`${JSON.stringify({ replica: 'started', url: runtime.url })}\n`)
exitOnSignals(runtime, logger, spec.forceExitAfterMs)
process.stdin.on('end', () => process.exit(1))
process.stdin.resume()
