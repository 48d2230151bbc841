import { mkdir, open, type FileHandle } from 'node:fs/promises'
import { dirname } from 'node:path'
import { TensorBoardSinkError } from '../errors.js'
import { syncAndClose, writeFully } from '../files/handle.js'
import { RECORD_OVERHEAD, writeRecord } from './tfrecord.js'

/**
 * One open event file. Either method may finish synchronously (return nothing) or
 * return a promise; the writer waits for one write at a time.
 */
export interface EventFile {
  /** Appends all of `chunk`. */
  write(chunk: Uint8Array): Promise<void> | void
  /** Makes what was written durable (fsync on a local disk) and closes. */
  close(): Promise<void> | void
}

/**
 * Where `tensorboardSink` writes its event file. {@link localEventStore} is the local
 * filesystem; another (an object store, or memory in tests) implements `create`:
 * make the parent directories and create the file, failing if it exists. Errors should
 * name the path (a {@link TensorBoardSinkError}).
 */
export interface EventFileStore {
  /** Creates the file at `path`, with its parent directories. */
  create(path: string): Promise<EventFile> | EventFile
}

function fileError(action: string, path: string, err: unknown): TensorBoardSinkError {
  const code = (err as NodeJS.ErrnoException).code
  return new TensorBoardSinkError(`tensorboardSink: cannot ${action} ${path}: ${err instanceof Error ? err.message : String(err)}`, path, {
    cause: err,
    retriable: code === 'ENOSPC' || code === 'EAGAIN',
  })
}

class LocalEventFile implements EventFile {
  constructor(
    private readonly handle: FileHandle,
    private readonly path: string,
  ) {}

  async write(chunk: Uint8Array): Promise<void> {
    try {
      await writeFully(this.handle, chunk)
    } catch (err) {
      throw fileError('write', this.path, err)
    }
  }

  close(): Promise<void> {
    return syncAndClose(this.handle, (action, err) => fileError(action, this.path, err))
  }
}

/**
 * Opens `path` with `flags` as an {@link EventFile} on the local filesystem.
 *
 * @param path the file
 * @param flags `fs.open` flags; default `'wx'` (create, fail if it exists)
 * @returns the open file
 * @throws TensorBoardSinkError naming the path
 */
export async function openLocalEventFile(path: string, flags = 'wx'): Promise<EventFile> {
  try {
    return new LocalEventFile(await open(path, flags), path)
  } catch (err) {
    throw fileError('create', path, err)
  }
}

/**
 * The local filesystem: the log directory is created with its parents, the event
 * file is created new (never overwriting one), written with `node:fs` and fsync'd on close.
 *
 * @example
 * ```ts
 * import { localEventStore, tensorboardSink } from 'rxtrain'
 * tensorboardSink({ logdir: 'runs/mnist', store: localEventStore() })
 * ```
 * @returns a store writing with `node:fs`
 */
export function localEventStore(): EventFileStore {
  return {
    async create(path) {
      try {
        await mkdir(dirname(path), { recursive: true })
      } catch (err) {
        throw fileError('create', path, err)
      }
      return openLocalEventFile(path)
    },
  }
}

/** Runs `fn` and hands its result (or what its promise settles to) on, synchronously when it is not a promise. */
function settle<T>(fn: () => T | Promise<T>, ok: (value: T) => void, fail: (err: unknown) => void): void {
  let result: T | Promise<T>
  try {
    result = fn()
  } catch (err) {
    fail(err)
    return
  }
  if (result instanceof Promise) result.then(ok, fail)
  else ok(result)
}

/** Options of an {@link EventFileWriter}. */
export interface EventFileWriterOptions {
  /** Start a write once this many bytes are buffered. */
  flushBytes: number
  /** Cap on bytes buffered or being written; records past it are refused. `ready()` waits from half of it. */
  maxBufferedBytes: number
  /** Called once, with the first failure to create, write or close the file. */
  onError: (err: TensorBoardSinkError) => void
}

const CHUNK_BYTES = 64 * 1024

/**
 * One event file being written: records are framed as TFRecords into a byte buffer
 * as they are added (no I/O, one copy), and written in the background, one write at
 * a time: the header once the file is open, then when `flush()` is called, when
 * `flushBytes` (or half the cap) are buffered, and on close.
 * With a store that finishes synchronously, everything (close included) does too.
 */
export class EventFileWriter {
  /** Bytes accepted and not yet written, those being written included. */
  buffered = 0
  /** Records written (the header not counted). */
  written = 0
  /** Bytes written, the header's included. */
  bytesWritten = 0
  /** Records accepted and lost to a failure. */
  failed = 0
  /** The first failure, if any. */
  failure: TensorBoardSinkError | undefined

  private file: EventFile | undefined
  private sealed: Uint8Array[] = []
  private current = new Uint8Array(CHUNK_BYTES)
  private pos = 0
  private unwrittenRecords = 0 // in `sealed` and `current`, header excluded
  private inFlightRecords = 0
  private inFlight = false
  private flushWanted = false
  private pumping = false
  private closing = false
  private closeStarted = false
  private finished = false
  private readonly callbacks: ((err: TensorBoardSinkError | undefined) => void)[] = []
  private waiting: { promise: Promise<void>; resolve: () => void } | undefined
  private readonly waitAt: number

  /**
   * Starts creating the file; `header` is its first record.
   *
   * @param path the file
   * @param store where it is created
   * @param header the first record's payload (not counted in `written`)
   * @param options thresholds and the error callback
   */
  constructor(
    readonly path: string,
    store: EventFileStore,
    header: Uint8Array,
    private readonly options: EventFileWriterOptions,
  ) {
    this.waitAt = Math.max(1, Math.floor(options.maxBufferedBytes / 2))
    this.frame(header)
    // Written as soon as the file is open, as TensorFlow's writer does: a reader sees a valid file at once.
    this.flushWanted = true
    settle(
      () => store.create(path),
      (file) => {
        this.file = file
        this.pump()
      },
      (err) => this.fail(err),
    )
  }

  /**
   * Frames a record into the buffer.
   *
   * @param payload the record's data
   * @returns `'ok'`, `'full'` when the buffer has no room for it, or `'closed'` after close or a failure
   */
  add(payload: Uint8Array): 'ok' | 'full' | 'closed' {
    if (this.closing || this.failure !== undefined) return 'closed'
    if (this.buffered + payload.length + RECORD_OVERHEAD > this.options.maxBufferedBytes) return 'full'
    this.frame(payload)
    this.unwrittenRecords++
    if (this.buffered >= this.options.flushBytes || this.buffered >= this.waitAt) this.flush()
    return 'ok'
  }

  /** Starts writing what is buffered, in the background (after the write in flight, if any). */
  flush(): void {
    this.flushWanted = true
    this.pump()
  }

  /** Whether a write is under way. */
  busy(): boolean {
    return this.inFlight
  }

  /** Undefined while there is room; otherwise a promise that resolves once writes make room. */
  ready(): Promise<void> | undefined {
    if (this.buffered < this.waitAt || this.closing || this.failure !== undefined) return undefined
    this.flush()
    if (this.waiting === undefined) {
      let resolve!: () => void
      const promise = new Promise<void>((r) => (resolve = r))
      this.waiting = { promise, resolve }
    }
    return this.waiting.promise
  }

  /**
   * Writes everything buffered, fsyncs and closes the file, then calls `done` with
   * the failure, if any (at once when already closed). Safe to call many times.
   *
   * @param done called once the file is closed
   */
  close(done: (err: TensorBoardSinkError | undefined) => void = () => {}): void {
    if (this.finished) {
      done(this.failure)
      return
    }
    this.callbacks.push(done)
    this.closing = true
    this.wake()
    this.pump()
  }

  private frame(payload: Uint8Array): void {
    const need = payload.length + RECORD_OVERHEAD
    if (this.current.length - this.pos < need) {
      if (this.pos > 0) this.sealed.push(this.current.subarray(0, this.pos))
      this.current = new Uint8Array(Math.max(CHUNK_BYTES, need))
      this.pos = 0
    }
    this.pos = writeRecord(this.current, this.pos, payload)
    this.buffered += need
  }

  /** What is buffered, as one chunk; the rest of the current buffer goes on taking records. */
  private take(): Uint8Array {
    const tail = this.current.subarray(0, this.pos)
    // The written part is handed off; the free part after it stays in use, unless too small to bother.
    this.current = this.current.length - this.pos >= 4096 ? this.current.subarray(this.pos) : new Uint8Array(CHUNK_BYTES)
    this.pos = 0
    if (this.sealed.length === 0) return tail
    this.sealed.push(tail)
    const chunk = Buffer.concat(this.sealed)
    this.sealed = []
    return chunk
  }

  /** The write loop: one write at a time, then the close once everything is written. */
  private pump(): void {
    if (this.pumping) return // a synchronous store calls back in here; the loop below goes on
    this.pumping = true
    try {
      while (this.file !== undefined && this.failure === undefined && !this.inFlight && !this.closeStarted) {
        const file = this.file
        const unwritten = this.pos > 0 || this.sealed.length > 0
        if (unwritten && (this.flushWanted || this.closing)) {
          this.flushWanted = false
          const chunk = this.take()
          this.inFlight = true
          this.inFlightRecords = this.unwrittenRecords
          this.unwrittenRecords = 0
          settle(
            () => file.write(chunk),
            () => {
              this.inFlight = false
              this.buffered -= chunk.length
              this.bytesWritten += chunk.length
              this.written += this.inFlightRecords
              this.inFlightRecords = 0
              this.wake()
              this.pump()
            },
            (err) => {
              this.inFlight = false
              this.fail(err)
            },
          )
        } else if (this.closing) {
          this.closeStarted = true
          settle(
            () => file.close(),
            () => this.finish(),
            (err) => this.fail(err),
          )
        } else {
          this.flushWanted = false
          break
        }
      }
    } finally {
      this.pumping = false
    }
  }

  private fail(err: unknown): void {
    if (this.failure !== undefined) return
    this.failure = err instanceof TensorBoardSinkError ? err : new TensorBoardSinkError(`tensorboardSink: ${this.path}: ${String(err)}`, this.path, { cause: err })
    this.failed += this.unwrittenRecords + this.inFlightRecords
    this.unwrittenRecords = this.inFlightRecords = 0
    this.sealed = []
    this.current = new Uint8Array(0)
    this.pos = 0
    this.buffered = 0
    this.wake()
    this.options.onError(this.failure)
    const file = this.file
    if (file === undefined || this.closeStarted) {
      this.finish()
      return
    }
    // Release the handle now; whoever closes later is told of the failure.
    this.closeStarted = true
    settle(
      () => file.close(),
      () => this.finish(),
      () => this.finish(),
    )
  }

  private finish(): void {
    if (this.finished) return
    this.finished = true
    this.wake()
    for (const done of this.callbacks.splice(0)) done(this.failure)
  }

  private wake(): void {
    if (this.waiting && (this.buffered < this.waitAt || this.closing || this.failure !== undefined)) {
      this.waiting.resolve()
      this.waiting = undefined
    }
  }
}
