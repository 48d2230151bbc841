import { constants } from 'node:os'
import { clusterTask } from './config.js'
import { ConfigError } from './errors.js'
import type { MetricsClient } from './metrics/client.js'
import { drainOpenSinks } from './sinks/registry.js'

/** Options of {@link installExitHook}. */
export interface ExitHookOptions {
  /** Where the `exit_hook` counter goes. Default: nowhere (sinks are still drained). */
  client?: MetricsClient
  /** Tag `server_type`. Default `RXTRAIN_SERVER_TYPE`, else `TF_CONFIG`'s task type, else `'worker'`. */
  serverType?: string
  /** Tag `index`. Default `RXTRAIN_INDEX`, else `TF_CONFIG`'s task index, else 0. */
  index?: number
  /** Signals to handle. Default SIGHUP, SIGINT and SIGTERM. */
  signals?: NodeJS.Signals[]
  /** How long sinks may take to drain, in milliseconds. Default 30 s. */
  timeoutMs?: number
  /** Ends the process; default `process.exit`. */
  exit?: (code: number) => void
  /** Where the hook says what it did. Default stderr. */
  log?: (line: string) => void
}

/**
 * Monolith's exit_hook: on SIGHUP, SIGINT or SIGTERM, emits counter `exit_hook`
 * with tags `{ server_type, index, sig }` (sig is the signal's number), drains every
 * open sink, flushes and closes the client, then exits with code 128 + the signal's
 * number (what a shell reports for a process the signal ended). A second signal
 * while draining exits at once.
 *
 * @example
 * ```ts
 * import { installExitHook, statsdClient } from 'rxtrain'
 * const uninstall = installExitHook({ client: statsdClient(), serverType: 'worker', index: 0 })
 * ```
 * @param options the client, tags, signals and drain timeout
 * @returns a function that removes the handlers
 */
export function installExitHook(options: ExitHookOptions = {}): () => void {
  const task = clusterTask()
  const serverType = options.serverType ?? task.type
  const index = options.index ?? task.index
  const signals = options.signals ?? ['SIGHUP', 'SIGINT', 'SIGTERM']
  const exit = options.exit ?? ((code: number) => process.exit(code))
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`))
  for (const sig of signals) {
    if (constants.signals[sig] === undefined) throw new ConfigError(`installExitHook: unknown signal '${sig}'`)
    if (sig === 'SIGKILL' || sig === 'SIGSTOP') throw new ConfigError(`installExitHook: ${sig} cannot be caught`)
  }
  let exiting = false
  const handler = (sig: NodeJS.Signals) => {
    const code = 128 + constants.signals[sig]
    if (exiting) return exit(code)
    exiting = true
    void (async () => {
      try {
        options.client?.emitCounter('exit_hook', 1, {
          server_type: serverType,
          index: String(index),
          sig: String(constants.signals[sig]),
        })
        const { drained, failed } = await drainOpenSinks(options.timeoutMs)
        log(
          `rxtrain: ${sig}: drained ${drained.length} sink(s)` +
            (failed.length ? `; failed: ${failed.map((f) => `${f.name} (${String(f.error)})`).join(', ')}` : ''),
        )
        await options.client?.close()
      } catch (err) {
        log(`rxtrain: ${sig}: exit hook failed: ${String(err)}`)
      } finally {
        exit(code)
      }
    })()
  }
  for (const sig of signals) process.on(sig, handler)
  return () => {
    for (const sig of signals) process.off(sig, handler)
  }
}
