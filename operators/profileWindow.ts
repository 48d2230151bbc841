import { asyncScheduler, type MonoTypeOperatorFunction, type SchedulerLike } from 'rxjs'
import { ConfigError } from '../lib/errors.js'
import { stderrLogger, type Logger } from '../lib/log.js'
import { windowPlan, type WindowOptions } from '../lib/profile/plan.js'
import { v8Recorder, type ProfileDump, type TfMemorySource } from '../lib/profile/v8Recorder.js'
import { windowOperator } from '../lib/profile/windowOperator.js'
import type { TrainingStep } from '../lib/step.js'

/** Options of {@link profileWindow}. */
export interface ProfileWindowOptions extends WindowOptions {
  /** Dumps go to `logdir/plugins/profile/<run>/`, one `<run>` per window. */
  logdir: string
  /** Called with each dump once its files are written; a throw or rejection errors the stream. */
  onTraceReady?: (dump: ProfileDump) => void | Promise<void>
  /** The V8 profiler's sampling interval in microseconds. Default 1000, as `node --cpu-prof`. */
  samplingIntervalUs?: number
  /** Where tf.memory() counters come from. Default: TensorFlow.js when it is loaded; none otherwise. */
  tf?: TfMemorySource
  /** Where warnings and late dump errors go. Default stderrLogger(). */
  logger?: Logger
  /** Clock for `saveSecs`. Default asyncScheduler. */
  scheduler?: SchedulerLike
}

/**
 * Tf2ProfilerHook for a step stream: profiles windows of steps with the V8 CPU
 * profiler and passes every step on unchanged. Steps count from 0; the first window
 * covers `initStepRange` `[start, end)` (10 steps when `end` is not given; steps
 * 500 to 510 when no range is given), then `saveSteps` or `saveSecs` opens a window
 * of the same length, counted from the run's start and then from each window's start.
 * With neither it captures once. `schedule` takes torch.profiler's
 * `{ wait, warmup, active, repeat, skipFirst }` instead. Each window writes
 * `logdir/plugins/profile/<run>/<host>.cpuprofile` (Chrome DevTools, speedscope) and
 * `<host>.trace.json` (a Chrome trace-event file of its steps with heap and tf.memory()
 * counters, for Perfetto and chrome://tracing); dumps are written in the background
 * and awaited before the stream completes or errors.
 *
 * @example
 * ```ts
 * import { fromLoop, profileWindow } from 'rxtrain'
 * fromLoop({ steps: 40, step: () => ({ loss: Math.random() }) })
 *   .pipe(profileWindow({ logdir: 'runs/profile', initStepRange: [5, 10], onTraceReady: (d) => console.log(d.dir) }))
 *   .subscribe()
 * ```
 * @param options where dumps go and when windows open
 * @returns an operator that passes steps through
 * @throws ConfigError for a missing logdir or invalid window options (the seed's checks: end > start, saveSteps > length)
 */
export function profileWindow(options: ProfileWindowOptions): MonoTypeOperatorFunction<TrainingStep> {
  const { logdir, samplingIntervalUs = 1000, onTraceReady, tf, scheduler = asyncScheduler } = options ?? {}
  if (typeof logdir !== 'string' || logdir === '') {
    throw new ConfigError(`profileWindow: logdir must be a non-empty path, got ${String(logdir)}`)
  }
  if (!(Number.isInteger(samplingIntervalUs) && samplingIntervalUs > 0)) {
    throw new ConfigError(`profileWindow: samplingIntervalUs must be an integer > 0, got ${String(samplingIntervalUs)}`)
  }
  const plan = windowPlan('profileWindow', options)
  const logger = options.logger ?? stderrLogger()
  return windowOperator(
    `profileWindow(${logdir})`,
    plan,
    () => v8Recorder({ logdir, samplingIntervalUs, tf, logger, onTraceReady }),
    scheduler,
    logger,
  )
}
