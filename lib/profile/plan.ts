import { ConfigError } from '../errors.js'

/**
 * When profiling windows open, shared by {@link profileWindow} and
 * {@link nvProfileWindow}. Steps are counted from 0, as the Python hook's
 * `after_run` counter does: the first step of the stream is step 0.
 */
export interface WindowOptions {
  /**
   * `[start, end)`: the first window covers these steps (`end` defaults to
   * `start + 10`). Omitted, the first window opens at step 500.
   */
  initStepRange?: readonly [number, number?]
  /** Opens a new window every `saveSteps` steps, counted from the run's start, then from each window's start. Must exceed the window's length. */
  saveSteps?: number
  /** Opens a new window every `saveSecs` seconds (from the scheduler's clock), counted the same way; a due window waits for an open one to close. */
  saveSecs?: number
  /**
   * torch.profiler's schedule instead of the ranges above: skip `skipFirst` steps,
   * then cycles of `wait` idle steps, `warmup` steps with the profiler set up but not
   * recording, and `active` recorded steps; `repeat` cycles (0, the default: forever).
   */
  schedule?: ProfileSchedule
}

/** torch.profiler.schedule's parameters. */
export interface ProfileSchedule {
  wait: number
  warmup?: number
  active: number
  repeat?: number
  skipFirst?: number
}

/** What the next step is part of. */
export const IDLE = 0
export const WARMUP = 1
export const ACTIVE = 2
export type WindowState = typeof IDLE | typeof WARMUP | typeof ACTIVE

/** Steps deferred when the start is unknown, as the seed's hook does. */
export const DEFERRED_START = 500
const DEFAULT_LENGTH = 10

/**
 * One subscription's window state. `advance(index, nowMs)` is called before step
 * `index` runs (with `index` steps done) and says whether `state` or `window` changed.
 */
export interface WindowPlan {
  /** What step `index` (the last one advanced to) is part of. */
  readonly state: WindowState
  /** How many active windows have opened, minus one: the open window's number. */
  readonly window: number
  /** True when `advance` reads its `nowMs` argument (saveSecs): callers skip the clock otherwise. */
  readonly usesClock: boolean
  advance(index: number, nowMs: number): boolean
}

const isCount = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 0

/**
 * Checks `options` once, at the operator's creation, and returns a factory of fresh
 * plans (one per subscription).
 *
 * @param name the operator, for error messages
 * @throws ConfigError naming the operator and the option at fault
 */
export function windowPlan(name: string, options: WindowOptions): (nowMs: number) => WindowPlan {
  const { initStepRange, saveSteps, saveSecs, schedule } = options
  const fail = (message: string): never => {
    throw new ConfigError(`${name}: ${message}`)
  }
  if (schedule !== undefined) {
    if (initStepRange !== undefined || saveSteps !== undefined || saveSecs !== undefined) {
      fail('give either schedule or initStepRange/saveSteps/saveSecs, not both')
    }
    const { wait, warmup = 0, active, repeat = 0, skipFirst = 0 } = schedule
    for (const [key, value] of Object.entries({ wait, warmup, repeat, skipFirst })) {
      if (!isCount(value)) fail(`schedule.${key} must be an integer >= 0, got ${String(value)}`)
    }
    if (!isCount(active) || active < 1) fail(`schedule.active must be an integer >= 1, got ${String(active)}`)
    return () => new SchedulePlan(wait, warmup, active, repeat, skipFirst)
  }
  let start: number | undefined
  let length = DEFAULT_LENGTH
  if (initStepRange !== undefined) {
    if (!Array.isArray(initStepRange)) fail(`initStepRange must be [start, end], got ${String(initStepRange)}`)
    const [s, e] = initStepRange
    if (!isCount(s)) fail(`initStepRange start must be an integer >= 0, got ${String(s)}`)
    if (e !== undefined) {
      if (!Number.isInteger(e)) fail(`initStepRange end must be an integer, got ${String(e)}`)
      if (e <= s!) fail(`initStepRange end (${e}) must be greater than its start (${s})`)
      length = e - s!
    }
    start = s
  }
  if (saveSteps !== undefined && saveSecs !== undefined) fail('give saveSteps or saveSecs, not both')
  if (saveSteps !== undefined) {
    if (!isCount(saveSteps)) fail(`saveSteps must be an integer >= 0, got ${String(saveSteps)}`)
    if (saveSteps <= length) fail(`saveSteps (${saveSteps}) must be greater than the window's length (${length} steps)`)
  }
  if (saveSecs !== undefined && !(saveSecs > 0 && Number.isFinite(saveSecs))) {
    fail(`saveSecs must be a finite number > 0, got ${String(saveSecs)}`)
  }
  const first = start ?? DEFERRED_START
  const everyMs = saveSecs === undefined ? undefined : saveSecs * 1000
  return (nowMs) => new RangePlan(first, length, saveSteps, everyMs, nowMs)
}

/** The seed's windows: `[start, end)`, then one per `saveSteps` or `saveSecs`, or none more (capture once). */
class RangePlan implements WindowPlan {
  state: WindowState = IDLE
  window = -1
  readonly usesClock: boolean
  private end: number
  private markIndex = 0

  constructor(
    private start: number,
    private readonly length: number,
    private readonly saveSteps: number | undefined,
    private readonly everyMs: number | undefined,
    private markMs: number,
  ) {
    this.end = start + length
    this.usesClock = everyMs !== undefined
  }

  advance(index: number, nowMs: number): boolean {
    const wasActive = this.state === ACTIVE
    if (wasActive) {
      if (index < this.end) return false
      this.state = IDLE
    }
    const due =
      this.saveSteps !== undefined
        ? index - this.markIndex >= this.saveSteps
        : this.everyMs !== undefined && nowMs - this.markMs >= this.everyMs
    if (due) {
      this.start = index
      this.end = index + this.length
    }
    if (index >= this.start && index < this.end) {
      this.state = ACTIVE
      this.window++
      this.markIndex = index
      this.markMs = nowMs
      return true
    }
    return wasActive
  }
}

/** torch.profiler.schedule: skipFirst, then (wait, warmup, active) cycles, `repeat` of them (0: forever). */
class SchedulePlan implements WindowPlan {
  state: WindowState = IDLE
  window = -1
  readonly usesClock = false
  private readonly period: number
  private cycle = -1

  constructor(
    private readonly wait: number,
    private readonly warmup: number,
    active: number,
    private readonly repeat: number,
    private readonly skipFirst: number,
  ) {
    this.period = wait + warmup + active
  }

  advance(index: number): boolean {
    const j = index - this.skipFirst
    let state: WindowState = IDLE
    let cycle = -1
    if (j >= 0) {
      cycle = Math.floor(j / this.period)
      if (this.repeat === 0 || cycle < this.repeat) {
        const m = j - cycle * this.period
        state = m < this.wait ? IDLE : m < this.wait + this.warmup ? WARMUP : ACTIVE
      }
    }
    // Back-to-back cycles (wait = warmup = 0) are separate windows.
    const opens = state === ACTIVE && (this.state !== ACTIVE || cycle !== this.cycle)
    if (!opens && state === this.state) return false
    if (opens) this.window++
    this.state = state
    this.cycle = cycle
    return true
  }
}
