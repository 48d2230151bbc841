import { asyncScheduler, type MonoTypeOperatorFunction, type SchedulerLike } from 'rxjs'
import { stderrLogger, type Logger } from '../lib/log.js'
import { loadCudart } from '../lib/native/cudart.js'
import { windowPlan, type WindowOptions } from '../lib/profile/plan.js'
import { windowOperator } from '../lib/profile/windowOperator.js'
import type { TrainingStep } from '../lib/step.js'

/** Options of {@link nvProfileWindow}: profileWindow's windows, and where libcudart is. */
export interface NvProfileWindowOptions extends WindowOptions {
  /** Path to libcudart. Default `RXTRAIN_CUDART`, then the usual sonames. */
  cudartPath?: string
  /** Where late errors go. Default stderrLogger(). */
  logger?: Logger
  /** Clock for `saveSecs`. Default asyncScheduler. */
  scheduler?: SchedulerLike
}

/**
 * NVProfilerHook: the same windows as {@link profileWindow} drive
 * `cudaProfilerStart()` / `cudaProfilerStop()` in libcudart (through koffi), so
 * `nsys profile --capture-range=cudaProfilerApi` records exactly those steps.
 * Given a range alone it captures once. libcudart is loaded when the stream is
 * subscribed, never at import; a missing library or symbol errors the stream with a
 * NativeLibraryError naming the paths tried, and a CUDA error code with a
 * NativeCallError carrying the code and cudaGetErrorString's meaning.
 *
 * @example
 * ```ts
 * import { fromLoop, nvProfileWindow } from 'rxtrain'
 * fromLoop({ steps: 100, step: () => ({ loss: 0 }) })
 *   .pipe(nvProfileWindow([20, 30]))
 *   .subscribe({ error: (err) => console.error(err.message) }) // on a machine without a GPU: the CUDA error
 * ```
 * @param range `[start, end)` to capture once, or the full window options
 * @returns an operator that passes steps through
 * @throws ConfigError for invalid window options
 */
export function nvProfileWindow(range: readonly [number, number?] | NvProfileWindowOptions): MonoTypeOperatorFunction<TrainingStep> {
  const options: NvProfileWindowOptions = Array.isArray(range) ? { initStepRange: range as readonly [number, number?] } : (range as NvProfileWindowOptions)
  const plan = windowPlan('nvProfileWindow', options)
  const { cudartPath, scheduler = asyncScheduler } = options
  const logger = options.logger ?? stderrLogger()
  return windowOperator(
    'nvProfileWindow',
    plan,
    () => {
      const cudart = loadCudart({ path: cudartPath })
      return {
        open: () => cudart.profilerStart(),
        close: () => cudart.profilerStop(),
      }
    },
    scheduler,
    logger,
  )
}
