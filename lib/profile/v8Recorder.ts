import { mkdir, writeFile } from 'node:fs/promises'
import { Session } from 'node:inspector'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { getHeapStatistics } from 'node:v8'
import { ProfileDumpError } from '../errors.js'
import type { Logger } from '../log.js'
import type { TrainingStep } from '../step.js'
import type { CloseReason, WindowRecorder } from './windowOperator.js'

/** What tf.memory() returns, as far as the trace uses it. */
export interface TfMemory {
  numTensors: number
  numBytes: number
  numDataBuffers?: number
}

/** A TensorFlow.js namespace, or anything with its `memory()`. */
export interface TfMemorySource {
  memory(): TfMemory
}

/** One window's dump, as `onTraceReady` receives it. */
export interface ProfileDump {
  /** The window's number in this subscription, from 0. */
  window: number
  /** The first step the window covered (counted from 0). */
  startIndex: number
  /** One past the last step it covered. */
  endIndex: number
  /** Why it closed: `'end'` after its last step, or how the stream ended. */
  reason: CloseReason
  /** The dump folder, `logdir/plugins/profile/<run>/`. */
  dir: string
  /** The Chrome trace-event JSON of the window's steps. */
  trace: string
  /** The V8 CPU profile, or undefined when the profiler could not run (see the log). */
  cpuProfile: string | undefined
}

interface TraceEvent {
  name: string
  ph: string
  ts?: number
  dur?: number
  pid: number
  tid: number
  cat?: string
  args: Record<string, unknown>
}

/** Options the V8 recorder takes from profileWindow. */
export interface V8RecorderOptions {
  logdir: string
  samplingIntervalUs: number
  tf: TfMemorySource | undefined
  logger: Logger
  onTraceReady: ((dump: ProfileDump) => void | Promise<void>) | undefined
}

const TID = 1

/** Microseconds on the monotonic clock V8's CPU profiles use, so the two files line up. */
const nowUs = () => Number(process.hrtime.bigint() / 1000n)

/** TensorFlow.js's engine when tfjs is loaded (it registers itself on the global object), found without importing it. */
function loadedTf(): TfMemorySource | undefined {
  const engine = (globalThis as { _tfengine?: Partial<TfMemorySource> })._tfengine
  return typeof engine?.memory === 'function' ? (engine as TfMemorySource) : undefined
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0')

/** TensorFlow's run-folder name (`2026_12_04_05_01_02`), to the millisecond. */
function runName(date: Date): string {
  return (
    `${date.getUTCFullYear()}_${pad(date.getUTCMonth() + 1)}_${pad(date.getUTCDate())}_` +
    `${pad(date.getUTCHours())}_${pad(date.getUTCMinutes())}_${pad(date.getUTCSeconds())}_${pad(date.getUTCMilliseconds(), 3)}`
  )
}

/** Creates `parent/<name>`, or `<name>_1`, `<name>_2`, ... when taken (windows ms apart, other processes). */
async function uniqueDir(parent: string, name: string): Promise<string> {
  await mkdir(parent, { recursive: true })
  for (let n = 0; ; n++) {
    const dir = join(parent, n === 0 ? name : `${name}_${n}`)
    try {
      await mkdir(dir)
      return dir
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    }
  }
}

/**
 * Records each window with the V8 CPU profiler (through node:inspector) and a trace
 * event per step, then writes both into a fresh dump folder.
 */
export function v8Recorder(options: V8RecorderOptions): WindowRecorder {
  const { logdir, samplingIntervalUs, logger, onTraceReady } = options
  const pid = process.pid
  let session: Session | undefined
  let profiling = false
  let events: TraceEvent[] = []
  let tf: TfMemorySource | undefined
  let window = 0
  let startIndex = 0
  let lastUs = 0
  let dumps: Promise<unknown> = Promise.resolve()

  // The main thread's inspector session answers synchronously.
  const post = (method: string, params?: object): { error?: Error; result?: unknown } => {
    let out: { error?: Error; result?: unknown } = { error: new Error(`${method} did not answer`) }
    session!.post(method, params ?? {}, (error, result) => {
      out = error ? { error } : { result }
    })
    return out
  }

  const counters = (ts: number) => {
    // Not process.memoryUsage(): it reads the RSS from /proc, ~40x the cost.
    const heap = getHeapStatistics()
    events.push({ name: 'heap', ph: 'C', ts, pid, tid: TID, args: { heapUsed: heap.used_heap_size, external: heap.external_memory } })
    if (tf !== undefined) {
      const m = tf.memory()
      events.push({ name: 'tf.memory', ph: 'C', ts, pid, tid: TID, args: { numTensors: m.numTensors, numBytes: m.numBytes } })
    }
  }

  const prepare = () => {
    if (session !== undefined) return
    try {
      const s = new Session()
      s.connect()
      session = s
    } catch (err) {
      logger.warn(`profileWindow: the V8 inspector is unavailable, windows get a trace only: ${(err as Error).message}`)
      return
    }
    const enabled = post('Profiler.enable').error ?? post('Profiler.setSamplingInterval', { interval: samplingIntervalUs }).error
    if (enabled) logger.warn(`profileWindow: cannot set the V8 profiler up: ${enabled.message}`)
  }

  const stopProfiler = (): unknown => {
    if (!profiling || session === undefined) return undefined
    profiling = false
    const { error, result } = post('Profiler.stop')
    // Someone else stopped it: tolerated, as the seed's hook tolerates an UnavailableError.
    if (error) {
      logger.warn(`profileWindow: the V8 profiler was not running at the window's end: ${error.message}`)
      return undefined
    }
    return (result as { profile: unknown }).profile
  }

  const release = () => {
    if (session === undefined) return
    session.disconnect()
    session = undefined
  }

  return {
    prepare,
    open(w, index) {
      // The trace starts when the window opens, as the plan's clock saw it: the first step's
      // span holds the profiler's start (and, in the first window, the inspector's set-up).
      lastUs = nowUs()
      prepare()
      window = w
      startIndex = index
      tf = options.tf ?? loadedTf()
      if (session !== undefined) {
        const { error } = post('Profiler.start')
        // Already profiling elsewhere: tolerated, as the seed's hook tolerates an AlreadyExistsError.
        if (error) logger.warn(`profileWindow: cannot start the V8 profiler, this window gets a trace only: ${error.message}`)
        else profiling = true
      }
      events = [
        { name: 'process_name', ph: 'M', pid, tid: 0, args: { name: `rxtrain ${process.title}` } },
        { name: 'thread_name', ph: 'M', pid, tid: TID, args: { name: 'training steps' } },
      ]
      counters(lastUs)
    },
    step(step: TrainingStep, index) {
      const ts = nowUs()
      events.push({
        name: `step ${step.step}`,
        cat: 'train',
        ph: 'X',
        ts: lastUs,
        dur: ts - lastUs,
        pid,
        tid: TID,
        args: { step_num: index, step: step.step, epoch: step.epoch, batch: step.batch, batchSize: step.batchSize, loss: step.loss },
      })
      counters(ts)
      lastUs = ts
    },
    close(endIndex, reason) {
      const profile = stopProfiler()
      release()
      // A window opened after the last step, then the stream ended: nothing to show.
      if (endIndex === startIndex) {
        events = []
        return
      }
      const trace = {
        traceEvents: events,
        displayTimeUnit: 'ms',
        metadata: { 'rxtrain-window': window, startIndex, endIndex, reason },
      }
      events = []
      const dumpOf = { window, startIndex, endIndex, reason }
      // One dump after the other, so onTraceReady sees windows in order.
      const written = dumps.then(() => writeDump(logdir, trace, profile)).then(async ({ dir, tracePath, cpuPath }) => {
        if (onTraceReady) await onTraceReady({ ...dumpOf, dir, trace: tracePath, cpuProfile: cpuPath })
      })
      dumps = written.catch(() => undefined)
      return written
    },
    dispose: release,
  }
}

async function writeDump(
  logdir: string,
  trace: object,
  profile: unknown,
): Promise<{ dir: string; tracePath: string; cpuPath: string | undefined }> {
  const parent = join(logdir, 'plugins', 'profile')
  let path = parent
  try {
    const dir = await uniqueDir(parent, runName(new Date()))
    const host = hostname()
    const tracePath = join(dir, `${host}.trace.json`)
    path = tracePath
    await writeFile(tracePath, JSON.stringify(trace))
    let cpuPath: string | undefined
    if (profile !== undefined) {
      cpuPath = join(dir, `${host}.cpuprofile`)
      path = cpuPath
      await writeFile(cpuPath, JSON.stringify(profile))
    }
    return { dir, tracePath, cpuPath }
  } catch (err) {
    const e = err as NodeJS.ErrnoException
    throw new ProfileDumpError(`profileWindow: cannot write the dump at ${e.path ?? path}: ${e.code ?? e.message}`, e.path ?? path, {
      cause: err,
    })
  }
}
