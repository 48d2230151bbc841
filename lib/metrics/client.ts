import type { MetricKind, Tags } from '../step.js'

/**
 * A metrics backend, as Monolith's metric client: counters, timers (seconds) and
 * stores (gauges), each with optional tags. Clients add their prefix and default
 * tags; `flush` sends what is buffered; `close` flushes and releases the backend.
 *
 * @example
 * ```ts
 * import { memoryClient } from 'rxtrain'
 * const client = memoryClient({ prefix: 'job.' })
 * client.emitCounter('run_steps.all', 100, { model_name: 'demo' })
 * await client.close()
 * ```
 */
export interface MetricsClient {
  /** Adds `value` to counter `name`. */
  emitCounter(name: string, value: number, tags?: Tags): void
  /** Records a duration of `value` seconds. */
  emitTimer(name: string, value: number, tags?: Tags): void
  /** Sets gauge `name` to `value`. */
  emitStore(name: string, value: number, tags?: Tags): void
  /** Sends whatever is buffered. */
  flush(): Promise<void>
  /** Flushes, then releases sockets and servers. Safe to call twice. */
  close(): Promise<void>
}

/** Options every client takes. */
export interface ClientOptions {
  /** Prepended to every metric name. */
  prefix?: string
  /** Tags on every metric; a metric's own tags win. */
  defaultTags?: Tags
}

/** Merges default tags under a metric's own; returns the same object when there is nothing to merge. */
export function mergeTags(defaults: Tags | undefined, tags: Tags | undefined): Tags | undefined {
  if (defaults === undefined) return tags
  if (tags === undefined) return defaults
  return { ...defaults, ...tags }
}

/** A function that sends a metric to `client` by its kind. */
export function metricSender(client: MetricsClient): (kind: MetricKind, name: string, value: number, tags: Tags | undefined) => void {
  return (kind, name, value, tags) => {
    if (kind === 'store') client.emitStore(name, value, tags)
    else if (kind === 'counter') client.emitCounter(name, value, tags)
    else client.emitTimer(name, value, tags)
  }
}
