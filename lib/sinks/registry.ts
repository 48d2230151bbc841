import { turnGate } from '../turns.js'

/** A sink that is open: the exit hook drains it before the process exits. */
export interface OpenSink {
  /** Names the sink in logs (`kafkaSink(topic)`, `fileSink(/runs)`). */
  readonly name: string
  /** Delivers or writes everything accepted so far and closes; resolves when done. */
  drain(): Promise<void>
  /**
   * For backpressure: a promise while the sink's buffer is full, undefined otherwise.
   * rxtrain's sources wait on it before the next step.
   */
  ready?(): Promise<void> | undefined
  /**
   * Whether work is under way in the background (writes, deliveries). While one is,
   * rxtrain's sources let the event loop turn about every 10 ms, so that work
   * completes between steps, even when the steps themselves never wait.
   */
  busy?(): boolean
}

const open = new Set<OpenSink>()

/**
 * How often sources give the event loop a turn while a sink is busy. A turn costs a
 * `setImmediate` round trip (microseconds); a sink's buffer holds far more than 10 ms
 * of steps, so its completions still run long before it fills.
 */
const BUSY_TURN_MS = 10
const busyTurn = turnGate(BUSY_TURN_MS)

/**
 * Adds a sink to the registry of open sinks. Sinks join on subscribe and leave
 * once they have drained.
 *
 * @example
 * ```ts
 * import { joinSinkRegistry } from 'rxtrain'
 * const leave = joinSinkRegistry({ name: 'mySink', drain: async () => {} })
 * leave()
 * ```
 * @param sink the open sink
 * @returns a function that removes it (safe to call twice)
 */
export function joinSinkRegistry(sink: OpenSink): () => void {
  open.add(sink)
  return () => {
    open.delete(sink)
  }
}

/**
 * The sinks open now.
 *
 * @example
 * ```ts
 * import { openSinks } from 'rxtrain'
 * console.log(openSinks().map((s) => s.name))
 * ```
 * @returns a copy of the registry's list
 */
export function openSinks(): OpenSink[] {
  return [...open]
}

/**
 * Undefined when every open sink has room; otherwise a promise that resolves once
 * they all have. Sources call it after each step, so a sink with a full buffer (and
 * the `'wait'` policy) pauses training instead of growing without bound. While a sink
 * is busy, it also returns, about every 10 ms, a promise of the event loop's next turn
 * (a `setImmediate`).
 *
 * @example
 * ```ts
 * import { sinksReady } from 'rxtrain'
 * const wait = sinksReady()
 * if (wait) await wait
 * ```
 * @returns undefined, or a promise to wait on
 */
export function sinksReady(): Promise<void> | undefined {
  let waits: Promise<void>[] | undefined
  let busy = false
  for (const sink of open) {
    const wait = sink.ready?.()
    if (wait) (waits ??= []).push(wait)
    else if (!busy && sink.busy?.()) busy = true
  }
  if (waits !== undefined) return Promise.all(waits).then(() => sinksReady())
  if (!busy) return undefined
  // A busy sink's completions (a write done, a delivery acknowledged) would otherwise
  // queue until a buffer fills, and the steps would then sit idle while they run.
  return busyTurn()
}

/** What {@link drainOpenSinks} did. */
export interface DrainReport {
  drained: string[]
  failed: { name: string; error: unknown }[]
}

/**
 * Drains every open sink at once and waits for all, or until `timeoutMs` passes
 * (a sink still draining then is reported failed).
 *
 * @example
 * ```ts
 * import { drainOpenSinks } from 'rxtrain'
 * const { drained, failed } = await drainOpenSinks(5000)
 * ```
 * @param timeoutMs how long to wait, in milliseconds; default 30 s
 * @returns which sinks drained and which failed
 */
export async function drainOpenSinks(timeoutMs = 30_000): Promise<DrainReport> {
  const report: DrainReport = { drained: [], failed: [] }
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs)
  })
  await Promise.all(
    openSinks().map(async (sink) => {
      try {
        const result = await Promise.race([sink.drain().then(() => 'drained' as const), timeout])
        if (result === 'drained') report.drained.push(sink.name)
        else report.failed.push({ name: sink.name, error: new Error(`still draining after ${timeoutMs} ms`) })
      } catch (error) {
        report.failed.push({ name: sink.name, error })
      }
    }),
  )
  clearTimeout(timer)
  return report
}
