import { isAbsolute, relative, resolve } from 'node:path'
import { asyncScheduler, Observable, type MonoTypeOperatorFunction, type SchedulerAction, type SchedulerLike } from 'rxjs'
import { clusterTask } from '../lib/config.js'
import { ConfigError, FileSinkError } from '../lib/errors.js'
import { defaultLayout, defaultParse } from '../lib/files/helpers.js'
import { byteLayoutOf } from '../lib/files/lineBytes.js'
import { PartitionedWriter } from '../lib/files/partitionedWriter.js'
import { localStore, type RecordStore } from '../lib/files/store.js'
import { logFirstN, stderrLogger, type Logger } from '../lib/log.js'
import { joinSinkRegistry } from '../lib/sinks/registry.js'
import type { TrainingStep } from '../lib/step.js'

/** Options of {@link fileSink}. */
export interface FileSinkOptions {
  /** The directory for a parsed record, under `baseName` (as `vepfsKey` makes). Required. */
  keyFn: (obj: any, workerId: number, baseName: string) => string
  /** One record to one line. Default `defaultLayout` (the seed's: JSON as `json.dumps` writes it). */
  layoutFn?: (obj: any) => string
  /** A raw record to the object `keyFn` and `layoutFn` see. Default `defaultParse` (JSON for strings and bytes). */
  parseFn?: (record: unknown) => unknown
  /** Lines buffered per directory before a write. Default 1024. */
  batchSize?: number
  /** Lines per part file, exactly. Default 1,000,000. */
  partitionSize?: number
  /** Root that every key must stay inside. Default `runs/deep_insight`. */
  baseName?: string
  /** Passed to `keyFn`. Default this process's task index (`RXTRAIN_INDEX`, `TF_CONFIG`, else 0). */
  workerId?: number
  /** Part file extension. Default `txt`. */
  fileExt?: string
  /** Also start a new part once the current one is this old, in ms (Kafka Connect's rotate.interval.ms). Default 0: never. */
  rotateIntervalMs?: number
  /** Close a directory's writer after this long without a record, in ms. Default 24 h. */
  idleMs?: number
  /** How often to look for idle writers, in ms. Default 10 min. */
  sweepIntervalMs?: number
  /** Cap on lines buffered or being written, over all directories; past it, rxtrain's sources wait. Default 65,536. */
  maxBufferedLines?: number
  /** What to write for a step. Default its `records`. */
  select?: (step: TrainingStep) => Iterable<unknown> | null | undefined
  /** Where part files go. Default the local filesystem. */
  store?: RecordStore
  /** Clock for idle writers, the sweep and time rotation. Default `asyncScheduler`. */
  scheduler?: SchedulerLike
  /** Where it reports bad records and its final counts. Default stderr. */
  logger?: Logger
  /** Called with the final counters once everything is written and closed. */
  onClose?: (stats: FileSinkStats) => void
}

/** Counters of a {@link fileSink}: `received = written + parseErrors + rejected` once drained. */
export interface FileSinkStats {
  /** Records the sink was given. */
  received: number
  /** Lines written to part files. */
  written: number
  /** Records `parseFn` could not parse. */
  parseErrors: number
  /** Records refused: a key outside `baseName`, or `keyFn`/`layoutFn` threw. */
  rejected: number
  /** Directories written to. */
  directories: number
  /** The last problem with a record or a write. */
  lastError: Error | undefined
}

const DAY = 24 * 60 * 60 * 1000

function wholePositive(name: string, value: number): number {
  if (!Number.isInteger(value) || value <= 0) throw new ConfigError(`fileSink: ${name} must be a whole number > 0, got ${String(value)}`)
  return value
}

/**
 * FileMetricHook with WriteOnlyFileAndStat: each step's records are parsed, routed
 * by `keyFn(obj, workerId, baseName)` to a directory, laid out one per line and
 * written to `part_000000.txt`, `part_000001.txt`, ... of exactly `partitionSize`
 * lines each. Writes run in the background in batches of `batchSize` lines per
 * directory, never blocking the steps; past `maxBufferedLines`, rxtrain's sources
 * wait. On complete, error, unsubscribe and the exit hook, every accepted record is
 * written and fsync'd before the stream ends or the process exits. A record that
 * does not parse, or whose key would leave `baseName`, is counted and reported,
 * never fatal; a failed write (ENOSPC, EACCES) errors the stream, naming the path.
 *
 * @example
 * ```ts
 * import { fromLoop, fileSink, vepfsKey, vepfsLayout } from 'rxtrain'
 * const record = JSON.stringify({ req_time: '20240101', uid: 7, predict: [0.9], label: [1] })
 * fromLoop({ steps: 10, step: () => ({ loss: 0, records: [record] }) })
 *   .pipe(fileSink({ keyFn: vepfsKey, layoutFn: vepfsLayout, baseName: 'runs/deep_insight' }))
 *   .subscribe()
 * ```
 * @param options `keyFn` (required), layout, parsing, batching, rotation and store
 * @returns a pass-through operator
 * @throws ConfigError without `keyFn`, or with a bad size or interval
 */
export function fileSink(options: FileSinkOptions): MonoTypeOperatorFunction<TrainingStep> {
  if (typeof options?.keyFn !== 'function') {
    throw new ConfigError('fileSink: keyFn is required: a function (obj, workerId, baseName) => directory, such as vepfsKey')
  }
  const keyFn = options.keyFn
  const layoutFn = options.layoutFn ?? defaultLayout
  // vepfsLayout and defaultLayout write their lines straight as bytes.
  const layoutBytes = byteLayoutOf(layoutFn)
  const parseFn = options.parseFn ?? defaultParse
  const batchSize = wholePositive('batchSize', options.batchSize ?? 1024)
  const partitionSize = wholePositive('partitionSize', options.partitionSize ?? 1_000_000)
  const maxBufferedLines = wholePositive('maxBufferedLines', options.maxBufferedLines ?? 65_536)
  const idleMs = wholePositive('idleMs', options.idleMs ?? DAY)
  const sweepIntervalMs = wholePositive('sweepIntervalMs', options.sweepIntervalMs ?? 10 * 60 * 1000)
  const rotateIntervalMs = options.rotateIntervalMs ?? 0
  if (!(rotateIntervalMs >= 0)) throw new ConfigError(`fileSink: rotateIntervalMs must be >= 0, got ${String(rotateIntervalMs)}`)
  const fileExt = options.fileExt ?? 'txt'
  if (!/^[A-Za-z0-9_.-]+$/.test(fileExt)) throw new ConfigError(`fileSink: fileExt must be a plain extension like 'txt', got '${fileExt}'`)
  const baseName = options.baseName ?? 'runs/deep_insight'
  const base = resolve(baseName)
  const workerId = options.workerId ?? clusterTask().index
  const store = options.store ?? localStore()
  const scheduler = options.scheduler ?? asyncScheduler
  const logger = options.logger ?? stderrLogger()
  const select = options.select ?? ((step: TrainingStep) => step.records)

  /** The directory for `key`, or why it is refused. */
  const checkKey = (key: unknown): string | FileSinkError => {
    if (typeof key !== 'string' || key === '') {
      return new FileSinkError(`fileSink: keyFn returned ${JSON.stringify(key)}, not a directory path`, String(key))
    }
    if (key.includes('\0')) return new FileSinkError(`fileSink: key ${JSON.stringify(key)} contains a NUL byte`, key)
    const dir = resolve(key)
    const inside = relative(base, dir)
    if (inside.startsWith('..') || isAbsolute(inside)) {
      return new FileSinkError(`fileSink: key '${key}' leaves baseName '${baseName}' (${base}); nothing written for it`, key)
    }
    return dir
  }
  // Keys repeat (one per model, day and worker): check each once. Bounded, as keys may not repeat.
  const checked = new Map<string, string | FileSinkError>()
  const directoryOf = (key: unknown): string | FileSinkError => {
    if (typeof key !== 'string') return checkKey(key)
    let dir = checked.get(key)
    if (dir === undefined) {
      if (checked.size >= 10_000) checked.clear()
      dir = checkKey(key)
      checked.set(key, dir)
    }
    return dir
  }

  return (source) =>
    new Observable<TrainingStep>((subscriber) => {
      const writers = new Map<string, PartitionedWriter>()
      // Where a closed writer's directory goes on, so a writer opened later does not overwrite its parts.
      const nextParts = new Map<string, Promise<number>>()
      const closing = new Set<Promise<void>>()
      const report = logFirstN(logger, 'warn', 10)
      const stats: FileSinkStats = { received: 0, written: 0, parseErrors: 0, rejected: 0, directories: 0, lastError: undefined }
      let inFlight = 0 // lines added and not yet written
      let flushing = 0 // flushes not yet settled
      let waiting: { promise: Promise<void>; resolve: () => void } | undefined
      let failure: FileSinkError | undefined
      let lastKey: unknown
      let lastWriter: PartitionedWriter | undefined // the open writer for lastKey, if any

      const problem = (kind: 'parseErrors' | 'rejected', error: Error) => {
        stats[kind]++
        stats.lastError = error
        report(error.message)
      }
      const written = (lines: number) => {
        stats.written += lines
        inFlight -= lines
        if (waiting && inFlight < maxBufferedLines) {
          waiting.resolve()
          waiting = undefined
        }
      }
      /**
       * A write failed: training stops (upstream is unsubscribed), the other writers still
       * write what they hold, and the stream errors once the sink has drained.
       */
      const failed = (err: unknown) => {
        if (failure !== undefined) return
        failure = err instanceof FileSinkError ? err : new FileSinkError(`fileSink: ${String(err)}`, base, { cause: err })
        stats.lastError = failure
        upstream.unsubscribe() // assigned by then: writes fail asynchronously
        void drain().then(() => subscriber.error(failure))
      }
      const flush = (writer: PartitionedWriter) => {
        flushing++
        writer.flush().then(
          (lines) => {
            flushing--
            written(lines)
          },
          (err: unknown) => {
            flushing--
            failed(err)
          },
        )
      }
      /** Flushes and closes a writer, counting its last lines once they are written. */
      const retire = (writer: PartitionedWriter) => {
        const lines = writer.buffered
        const closed = writer.close()
        nextParts.set(
          writer.dir,
          closed.then(
            () => writer.nextPart,
            () => writer.nextPart,
          ),
        )
        const done = closed.then(
          () => {
            closing.delete(done)
            written(lines)
          },
          (err: unknown) => {
            closing.delete(done)
            failed(err)
          },
        )
        closing.add(done)
        return done
      }

      const sweep = scheduler.schedule(function (this: SchedulerAction<unknown>) {
        const now = scheduler.now()
        for (const [dir, writer] of writers) {
          if (now - writer.lastUpdate >= idleMs) {
            writers.delete(dir)
            if (writer === lastWriter) lastWriter = undefined
            void retire(writer)
          }
        }
        this.schedule(undefined, sweepIntervalMs)
      }, sweepIntervalMs)

      let drained: Promise<FileSinkStats> | undefined
      const drain = () =>
        (drained ??= (async () => {
          sweep.unsubscribe()
          for (const writer of writers.values()) void retire(writer)
          writers.clear()
          lastWriter = undefined
          while (closing.size > 0) await Promise.all(closing)
          waiting?.resolve()
          leave()
          logger.info(
            `fileSink(${baseName}): ${stats.written} lines written in ${stats.directories} director${stats.directories === 1 ? 'y' : 'ies'}` +
              (stats.parseErrors ? `, ${stats.parseErrors} unparsable` : '') +
              (stats.rejected ? `, ${stats.rejected} rejected` : '') +
              ` of ${stats.received}`,
          )
          try {
            options.onClose?.(stats)
          } catch (err) {
            logger.warn(`fileSink(${baseName}): onClose threw: ${String(err)}`)
          }
          return stats
        })())

      const leave = joinSinkRegistry({
        name: `fileSink(${baseName})`,
        drain: () => drain().then(() => {}),
        busy: () => flushing > 0,
        ready: () => {
          if (inFlight < maxBufferedLines) return undefined
          if (!waiting) {
            let resolve!: () => void
            const promise = new Promise<void>((r) => (resolve = r))
            waiting = { promise, resolve }
          }
          return waiting.promise
        },
      })

      const upstream = source.subscribe({
        next(step) {
          if (subscriber.closed) return
          // Once draining (the exit hook closed it), records are no longer taken: nothing accepted goes unwritten.
          const records = drained === undefined ? select(step) : undefined
          if (records) {
            const now = scheduler.now()
            for (const record of records) {
              stats.received++
              let obj: unknown
              try {
                obj = parseFn(record)
              } catch (err) {
                problem('parseErrors', new FileSinkError(`fileSink: cannot parse a record of step ${step.step}: ${(err as Error).message}`, base, { cause: err }))
                continue
              }
              // Records in a row mostly share a key: the last one's writer is kept at hand.
              let writer = lastWriter
              try {
                const key = keyFn(obj, workerId, baseName)
                if (key !== lastKey || writer === undefined) {
                  const dir = directoryOf(key)
                  if (typeof dir !== 'string') {
                    problem('rejected', dir)
                    continue
                  }
                  writer = writers.get(dir)
                  if (writer === undefined) {
                    writer = new PartitionedWriter(dir, { store, partitionSize, fileExt, rotateIntervalMs, firstPart: nextParts.get(dir) }, now)
                    writers.set(dir, writer)
                  }
                  lastKey = key
                  lastWriter = writer
                }
                if (layoutBytes) writer.addLaidOut(layoutBytes, obj, now)
                else writer.add(layoutFn(obj), now)
              } catch (err) {
                problem('rejected', new FileSinkError(`fileSink: keyFn or layoutFn threw on a record of step ${step.step}: ${(err as Error).message}`, base, { cause: err }))
                continue
              }
              if (writer.added === 1) stats.directories++
              inFlight++
              if (writer.buffered >= batchSize) flush(writer)
            }
          }
          subscriber.next(step)
        },
        error: (err) => void drain().then(() => subscriber.error(err)),
        // A write that fails while draining turns the completion into its error.
        complete: () => void drain().then(() => (failure === undefined ? subscriber.complete() : subscriber.error(failure))),
      })
      return () => {
        upstream.unsubscribe()
        void drain()
      }
    })
}
