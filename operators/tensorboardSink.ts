import { hostname } from 'node:os'
import { join } from 'node:path'
import { asyncScheduler, Observable, type MonoTypeOperatorFunction, type SchedulerLike, type Subscription } from 'rxjs'
import { ConfigError, type TensorBoardSinkError } from '../lib/errors.js'
import { logFirstN, stderrLogger, type Logger } from '../lib/log.js'
import { joinSinkRegistry } from '../lib/sinks/registry.js'
import type { Metric } from '../lib/step.js'
import { EventFileWriter, localEventStore, type EventFileStore } from '../lib/tensorboard/eventFile.js'
import { encodeFileVersionEvent, encodeScalarEvent, eventFileName, metricTag } from '../lib/tensorboard/events.js'

/** Options of {@link tensorboardSink}. */
export interface TensorBoardSinkOptions {
  /** The directory for the event file (`tensorboard --logdir` it, or its parent). Created with its parents. Required. */
  logdir: string
  /** Write what is buffered this often, in seconds, while metrics come. Default 2. */
  flushSecs?: number
  /** Also write as soon as this many bytes are buffered. Default 64 KiB. */
  flushBytes?: number
  /**
   * Cap on bytes buffered or being written. From half of it rxtrain's sources wait;
   * a metric that would pass it is dropped and counted. Default 16 MiB (some 250,000 scalars).
   */
  maxBufferedBytes?: number
  /** A metric's TensorBoard tag. Default {@link metricTag}: `name`, or `name/key=value,...` with its tags sorted by key. */
  tag?: (metric: Metric) => string
  /** A metric's wall_time, in seconds since the Unix epoch. Default `metric.timeMs / 1000`. */
  wallTime?: (metric: Metric) => number
  /** Where the file is written. Default the local filesystem ({@link localEventStore}). */
  store?: EventFileStore
  /** Clock of the flush timer and of the first event's wall_time. Default `asyncScheduler`. */
  scheduler?: SchedulerLike
  /** Where it reports dropped metrics and its final counts. Default stderr. */
  logger?: Logger
  /** Called with the final counters once the file is written and closed. */
  onClose?: (stats: TensorBoardSinkStats) => void
}

/** Counters of a {@link tensorboardSink}: `received = written + dropped + failed` once closed. */
export interface TensorBoardSinkStats {
  /** The event file. */
  path: string
  /** Metrics given while the file was open. */
  received: number
  /** Scalar events written (the first, file_version, event not counted). */
  written: number
  /** Metrics not written because the buffer was full. */
  dropped: number
  /** Metrics accepted and lost to a failed create, write or fsync. */
  failed: number
  /** Bytes written to the file. */
  bytes: number
  /** The failure, if any. */
  lastError: Error | undefined
}

// TensorFlow numbers the event files a process opens, so two opened in one second differ.
let fileCount = 0

function positive(name: string, value: number, whole: boolean): number {
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value) || (whole && !Number.isInteger(value))) {
    throw new ConfigError(`tensorboardSink: ${name} must be a ${whole ? 'whole ' : ''}number > 0, got ${String(value)}`)
  }
  return value
}

const wallTimeOf = (m: Metric) => m.timeMs / 1000

/**
 * Writes each metric as a TensorBoard scalar summary and passes it on unchanged. On
 * subscribe it creates `logdir/events.out.tfevents.<secs>.<host>.<pid>.<n>` (TensorFlow's
 * name and format: TFRecords of Event protos, first a `brain.Event:2` file_version
 * event), then each metric becomes an Event with `wall_time` (default
 * `metric.timeMs / 1000`), `step = metric.step` and one `simple_value` (a float32)
 * tagged `name` or `name/key=value,...`. Events are encoded into a buffer as they
 * come and written in the background every `flushSecs` and whenever `flushBytes`
 * are buffered, never blocking the stream. On complete and error the file is written,
 * fsync'd and closed before the stream ends; on unsubscribe and at the exit hook too
 * (the sink registry waits for it). A failed create or write errors the stream with
 * a TensorBoardSinkError naming the path.
 *
 * @example
 * ```ts
 * import { fromLoop, stepLoss, tensorboardSink } from 'rxtrain'
 * fromLoop({ steps: 100, step: (i) => ({ loss: 1 / (i + 1) }) })
 *   .pipe(stepLoss(), tensorboardSink({ logdir: 'runs/tb/demo' }))
 *   .subscribe()
 * // then: tensorboard --logdir runs/tb
 * ```
 * @param options `logdir` (required), flushing, buffer cap, tag and wall-time rules, store
 * @returns a pass-through operator on metrics
 * @throws ConfigError without `logdir`, or with a bad interval or size
 */
export function tensorboardSink(options: TensorBoardSinkOptions): MonoTypeOperatorFunction<Metric> {
  if (typeof options?.logdir !== 'string' || options.logdir === '') {
    throw new ConfigError('tensorboardSink: logdir is required: the directory for the event file (open it with tensorboard --logdir <dir>)')
  }
  const logdir = options.logdir
  const flushMs = positive('flushSecs', options.flushSecs ?? 2, false) * 1000
  const flushBytes = positive('flushBytes', options.flushBytes ?? 64 * 1024, true)
  const maxBufferedBytes = positive('maxBufferedBytes', options.maxBufferedBytes ?? 16 * 1024 * 1024, true)
  for (const name of ['tag', 'wallTime'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function') throw new ConfigError(`tensorboardSink: ${name} must be a function of a metric`)
  }
  const tagOf = options.tag ?? metricTag
  const wallTime = options.wallTime ?? wallTimeOf
  const store = options.store ?? localEventStore()
  const scheduler = options.scheduler ?? asyncScheduler
  const logger = options.logger ?? stderrLogger()

  return (source) =>
    new Observable<Metric>((subscriber) => {
      const path = join(logdir, eventFileName(Date.now() / 1000, hostname(), process.pid, fileCount++))
      const name = `tensorboardSink(${path})`
      const stats: TensorBoardSinkStats = { path, received: 0, written: 0, dropped: 0, failed: 0, bytes: 0, lastError: undefined }
      const reportDropped = logFirstN(logger, 'warn', 10)
      let ending = false // the source ended: its handler reports a failure of the last write
      const writer = new EventFileWriter(path, store, encodeFileVersionEvent(scheduler.now() / 1000), {
        flushBytes,
        maxBufferedBytes,
        onError: (err) => {
          if (!ending) subscriber.error(err)
        },
      })

      let timer: Subscription | undefined
      const tick = () => {
        timer = undefined
        writer.flush()
      }
      const closed = (err: TensorBoardSinkError | undefined) => {
        leave()
        stats.written = writer.written
        stats.failed = writer.failed
        stats.bytes = writer.bytesWritten
        stats.lastError = err
        logger[err ? 'warn' : 'info'](
          `${name}: ${stats.written} events written` +
            (stats.dropped ? `, ${stats.dropped} dropped (buffer full)` : '') +
            (err ? `, ${stats.failed} lost: ${err.message}` : ''),
        )
        try {
          options.onClose?.(stats)
        } catch (e) {
          logger.warn(`${name}: onClose threw: ${String(e)}`)
        }
      }
      let draining = false
      /** Writes the rest, fsyncs and closes once; `done` runs when closed (at once if already). */
      const drain = (done?: (err: TensorBoardSinkError | undefined) => void) => {
        if (!draining) {
          draining = true
          timer?.unsubscribe()
          timer = undefined
          writer.close(closed)
        }
        if (done) writer.close(done)
      }
      const leave = joinSinkRegistry({
        name,
        drain: () => new Promise<void>((resolve, reject) => drain((err) => (err ? reject(err) : resolve()))),
        ready: () => writer.ready(),
        busy: () => writer.busy(),
      })

      // A store that fails at once has errored the stream already.
      const upstream = subscriber.closed
        ? undefined
        : source.subscribe({
            next(metric) {
              if (subscriber.closed) return
              // Once drained (by the exit hook), metrics pass through unwritten.
              if (!draining) {
                stats.received++
                let added
                try {
                  added = writer.add(encodeScalarEvent(wallTime(metric), metric.step, tagOf(metric), metric.value))
                } catch (err) {
                  subscriber.error(err)
                  return
                }
                if (added === 'ok') timer ??= scheduler.schedule(tick, flushMs)
                else if (added === 'full') {
                  stats.dropped++
                  reportDropped(`${name}: buffer full (${maxBufferedBytes} bytes), metric ${metric.name} at step ${metric.step} dropped`)
                }
              }
              subscriber.next(metric)
            },
            error(err) {
              ending = true
              drain((sinkErr) => {
                if (sinkErr) logger.warn(`${name}: ${sinkErr.message} (the stream errors with its own error)`)
                subscriber.error(err)
              })
            },
            complete() {
              ending = true
              drain((sinkErr) => (sinkErr ? subscriber.error(sinkErr) : subscriber.complete()))
            },
          })
      return () => {
        upstream?.unsubscribe()
        drain()
      }
    })
}
