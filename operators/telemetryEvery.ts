import { ConfigError } from '../lib/errors.js'
import { stderrLogger, type Logger } from '../lib/log.js'
import { loadByteps, type TelemetryEntry, type TelemetrySource } from '../lib/native/byteps.js'
import { metricOperator, type MetricOperator } from './metricOperator.js'

/** Options of {@link telemetryEvery}. */
export interface TelemetryEveryOptions {
  /** Path of libbyteps. Default: `RXTRAIN_BYTEPS`, else `libbyteps.so` from the loader's search path. */
  path?: string
  /** Where telemetry comes from instead of BytePS (another collective library, a test double). */
  telemetry?: TelemetrySource
  /** Where the `Communication telemetry: ...` line goes. Default {@link stderrLogger}. */
  logger?: Logger
}

/** How many PushPull ops a read reports (all alltoall ops are reported). */
const PUSH_PULL_OPS = 3

/**
 * ByteCCLTelemetryHook. When a step's global `step` is past `last + interval` (`last`
 * starts at 0 and moves to each step that read), reads the communication telemetry
 * of BytePS (which resets its summaries) and, on rank 0 only, emits for every
 * alltoall op (matched case-insensitively) and the first three PushPull ops:
 * store `byteps_telemetry_mean_us`, store `byteps_telemetry_stdev_us` and counter
 * `byteps_telemetry_count`, tagged `{ op: name }`, and logs one line
 * `Communication telemetry: name: X mean(us): 1.23 stdev(us): 0.45 count: 7; ...`.
 *
 * Differences from the Python: latencies are labelled microseconds, which they are
 * (the Python says ms); and only PushPull ops count toward the three (the Python
 * also counts alltoall ops, so a few alltoall ops crowd the PushPull ones out). An
 * op named both ways is reported as an alltoall op and does not use up the three.
 *
 * The library opens at subscribe (a missing library or symbol errors the stream
 * with a `NativeLibraryError` at once, not `interval` steps later), and the rank is
 * read once, at the first due step, when BytePS has surely been initialised. Steps
 * that are not due cost one comparison. A throwing `telemetry` source errors the stream.
 *
 * @example
 * ```ts
 * import { fromLoop, telemetryEvery } from 'rxtrain'
 * const telemetry = {
 *   rank: () => 0,
 *   read: () => [{ name: 'PushPull.dense_1', meanUs: 812.5, stdevUs: 40.25, count: 100 }],
 * }
 * fromLoop({ steps: 250, step: () => ({ loss: 0 }) })
 *   .pipe(telemetryEvery(100, { telemetry })) // at steps 101 and 202; leave out telemetry for BytePS
 *   .subscribe((m) => console.log(m.step, m.name, m.tags?.op, m.value))
 * ```
 * @param interval steps between reads: a read happens once `step > last + interval`
 * @param options the library's path, or another telemetry source; the logger
 * @returns an operator from steps to metrics
 * @throws ConfigError when `interval` is not an integer >= 0 or `telemetry` lacks `rank` or `read`
 */
export function telemetryEvery(interval: number, options: TelemetryEveryOptions = {}): MetricOperator {
  if (!Number.isInteger(interval) || interval < 0) {
    throw new ConfigError(`telemetryEvery: interval must be an integer >= 0, got ${String(interval)}`)
  }
  const given = options.telemetry
  if (given !== undefined && (typeof given?.rank !== 'function' || typeof given.read !== 'function')) {
    throw new ConfigError('telemetryEvery: telemetry must have rank() and read() methods')
  }
  const path = options.path
  const logger = options.logger ?? stderrLogger()
  return metricOperator((emit) => {
    const telemetry = given ?? loadByteps({ path })
    let last = 0
    let rank: number | undefined
    return (s) => {
      if (!(s.step > last + interval)) return
      last = s.step
      rank ??= telemetry.rank()
      if (rank !== 0) return
      const sampled = sample(telemetry.read())
      if (sampled.length === 0) return
      let line = 'Communication telemetry: '
      for (let i = 0; i < sampled.length; i++) {
        const op = sampled[i]!
        const tags = { op: op.name }
        emit('store', 'byteps_telemetry_mean_us', op.meanUs, tags, s)
        emit('store', 'byteps_telemetry_stdev_us', op.stdevUs, tags, s)
        emit('counter', 'byteps_telemetry_count', op.count, tags, s)
        if (i > 0) line += '; '
        line += `name: ${op.name} mean(us): ${op.meanUs.toFixed(2)} stdev(us): ${op.stdevUs.toFixed(2)} count: ${op.count}`
      }
      logger.info(line)
    }
  })
}

/** The ops a read reports: every alltoall op, and the first three PushPull ops, in the library's order. */
function sample(entries: readonly TelemetryEntry[]): TelemetryEntry[] {
  const sampled: TelemetryEntry[] = []
  let pushPulls = 0
  for (const entry of entries) {
    const name = entry.name
    if (name.toLowerCase().includes('alltoall')) {
      sampled.push(entry)
    } else if (name.includes('PushPull') && pushPulls < PUSH_PULL_OPS) {
      pushPulls++
      sampled.push(entry)
    }
  }
  return sampled
}
