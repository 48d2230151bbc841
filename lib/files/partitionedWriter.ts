import { join } from 'node:path'
import type { ByteLayout, LineOut } from './lineBytes.js'
import type { RecordFile, RecordStore } from './store.js'

/** How a {@link PartitionedWriter} cuts its directory into part files. */
export interface PartitionOptions {
  store: RecordStore
  /** Lines per part, exactly (the last part may hold fewer). */
  partitionSize: number
  /** Extension of the part files, without the dot. */
  fileExt: string
  /** Start a new part once the current one's first line is this old (ms); 0 never. */
  rotateIntervalMs: number
  /**
   * Index of the first part to write, or a promise of it: for a directory written
   * before by a writer that is still closing, that writer's next part. Default 0.
   */
  firstPart?: number | Promise<number>
}

/** `part_000000.txt`, `part_000001.txt`, ... */
export function partName(index: number, fileExt: string): string {
  return `part_${String(index).padStart(6, '0')}.${fileExt}`
}

/** A part file being written: its file (once created), and the writes into it so far. */
interface OpenPart {
  part: number
  file: Promise<RecordFile>
  /** Every write into the part (settled or not), so that closing waits for them. */
  writes: Promise<void>[]
  /** The last write, which the next waits for when the file takes one write at a time. */
  tail: Promise<void>
}

/** A batch cut and not yet handed to its file: written at the next turn of the event loop. */
interface Waiting {
  open: OpenPart
  data: Buffer
  done: Promise<void>
  resolve: () => void
  reject: (err: unknown) => void
}

/** The first slab a writer lays lines into, and the largest it grows to. */
const FIRST_SLAB = 16 * 1024
const MAX_SLAB = 1024 * 1024
const NEWLINE = 0x0a
const noop = () => {}

/**
 * WriteOnlyFileAndStat: the part files of one key's directory. Lines are written as
 * UTF-8 into a slab of bytes (by a byte layout as they are added; strings joined, in
 * one encoding, when their batch is cut); each batch is a view of the slab (which is only ever appended to), written as is:
 * no string is joined and no batch copied. A part takes exactly `partitionSize` lines,
 * or fewer when `rotateIntervalMs` has passed since its first line; a batch is cut at
 * the end of a part. The batches cut before a turn of the event loop are written at
 * that turn, in one write per run of adjacent bytes (each write started costs the
 * step loop time), without waiting for the writes before them when
 * the file can take several at once (a local file writes each at its own offset), so
 * the writes go on while the step loop runs; a flush
 * resolves, with its line count, once its writes and every earlier flush's are done.
 * A full part is closed (and so fsync'd) once its writes are done, while the next is
 * written; a part is created only when there is a line for it, so no empty part is
 * left behind. After a failed write, nothing more is written and every later flush,
 * and close(), fails with that error.
 */
export class PartitionedWriter implements LineOut {
  /** Lines written to files so far. */
  written = 0
  /** Lines added so far. */
  added = 0
  /** When a line was last added, by the sink's clock. */
  lastUpdate: number
  /** The slab lines are laid out into (LineOut). */
  buf: Buffer = Buffer.alloc(0)
  /** Where the next byte goes in `buf` (LineOut). */
  pos = 0
  /** Where the line being laid out began in `buf` (LineOut). */
  lineStart = 0
  /** Where the lines not yet cut into a batch start in `buf`. */
  private chunkStart = 0
  private slabSize = FIRST_SLAB
  private firstPart = 0
  /** Resolves once `firstPart` is known. */
  private readonly ready: Promise<void>
  /** The part lines are added to, counted from `firstPart`. */
  private part = 0
  private partLines = 0
  private partStartedAt = 0
  /** Lines added since the last batch was cut. */
  private lines = 0
  /** The last of them when added as strings, not yet in the slab. */
  private texts: string[] = []
  /** Lines in batches cut since the last flush, and their writes. */
  private cutLines = 0
  private cutWrites: Promise<void>[] = []
  /** Batches cut since the last turn of the event loop, in order; their writes start at the next. */
  private waiting: Waiting[] = []
  private startScheduled = false
  /** The part being written, if its file is open (or opening). */
  private open: OpenPart | undefined
  /** The last flush: the next resolves after it, and fails when it failed. */
  private flushed: Promise<void> = Promise.resolve()
  /** Full parts being synced and closed while the next one is written. */
  private closing: Promise<void> = Promise.resolve()
  /** The first failed write or part close: nothing is cut after it. */
  private failure: unknown
  /** Writes started so far, and the first of them that failed: no later one is made. */
  private writesStarted = 0
  private failedWrite = Infinity

  /**
   * @param dir the key's directory
   * @param options part size, rotation and store
   * @param now when the writer is made, by the sink's clock
   */
  constructor(
    readonly dir: string,
    private readonly options: PartitionOptions,
    now: number,
  ) {
    this.lastUpdate = now
    this.ready = Promise.resolve(options.firstPart ?? 0).then((part) => {
      this.firstPart = part
    })
  }

  /** The index the next new part would get: where a later writer for this directory starts (known once it closed). */
  get nextPart(): number {
    return this.firstPart + (this.partLines > 0 ? this.part + 1 : this.part)
  }

  /** Lines added and not yet handed to a flush. */
  get buffered(): number {
    return this.lines + this.cutLines
  }

  /** Adds one laid-out line (no trailing newline), at time `now` by the sink's clock. */
  add(line: string, now: number): void {
    this.startLine(now)
    this.texts.push(line)
    this.endLine(now)
  }

  /**
   * Adds the line `layout` writes for `obj` (or, when it returns a string, that text),
   * at time `now` by the sink's clock. When the layout throws, nothing of the line is
   * kept, and the error is thrown.
   */
  addLaidOut(layout: ByteLayout, obj: unknown, now: number): void {
    this.startLine(now)
    this.lineStart = this.pos
    let text: string | void
    try {
      text = layout(obj, this)
    } catch (err) {
      this.pos = this.lineStart
      throw err
    }
    if (typeof text === 'string') {
      this.texts.push(text)
    } else {
      // Lines added as text before this one go first: the line's bytes move after them.
      if (this.texts.length > 0) {
        const line = Buffer.from(this.buf.subarray(this.lineStart, this.pos))
        this.pos = this.lineStart
        this.encodeTexts()
        this.reserve(line.length)
        this.buf.set(line, this.pos)
        this.pos += line.length
      }
      this.reserve(1)
      this.buf[this.pos++] = NEWLINE
    }
    this.endLine(now)
  }

  /**
   * Writes the lines added as strings into the slab: joined, in one encoding (a call
   * per line into Buffer's encoder costs twice as much).
   */
  private encodeTexts(): void {
    const text = this.texts.join('\n')
    this.texts = []
    this.reserve(text.length * 3 + 1) // UTF-8 takes at most 3 bytes per UTF-16 unit
    this.pos += this.buf.write(text, this.pos)
    this.buf[this.pos++] = NEWLINE
  }

  /** Makes room for `n` more bytes at `pos` (LineOut): a new slab, holding what is not yet in a chunk, when this one is full. */
  reserve(n: number): void {
    if (this.pos + n > this.buf.length) this.newSlab(n)
  }

  private newSlab(n: number): void {
    const pending = this.pos - this.chunkStart
    // A slab takes a few batches: it grows with what a batch needs, up to MAX_SLAB.
    while (this.slabSize < MAX_SLAB && this.slabSize < 4 * (pending + n)) this.slabSize *= 2
    const slab = Buffer.allocUnsafeSlow(Math.max(this.slabSize, pending + n))
    this.buf.copy(slab, 0, this.chunkStart, this.pos)
    this.buf = slab
    this.pos = pending
    this.lineStart -= this.chunkStart // the line being laid out, if any, moved with the rest
    this.chunkStart = 0
  }

  private startLine(now: number): void {
    const { rotateIntervalMs } = this.options
    if (rotateIntervalMs > 0 && this.partLines > 0 && now - this.partStartedAt >= rotateIntervalMs) this.endPart()
    if (this.partLines === 0) this.partStartedAt = now
  }

  /** Counts a line added. */
  private endLine(now: number): void {
    this.lines++
    this.added++
    this.lastUpdate = now
    if (++this.partLines === this.options.partitionSize) this.endPart()
  }

  /** Writes the lines added since the last flush; resolves with how many once they and every earlier flush's are written. */
  flush(): Promise<number> {
    this.cut(false)
    const lines = this.cutLines
    const writes = this.cutWrites
    this.cutLines = 0
    this.cutWrites = []
    const done = this.flushed
      .then(() => Promise.all(writes))
      .then(() => {
        this.written += lines
        return lines
      })
    this.flushed = done.then(noop)
    this.flushed.catch(noop) // handled by whoever awaits `done`
    return done
  }

  /**
   * Flushes, then closes (and so fsyncs) the open part. The part is closed even when a
   * write failed; the first failure (a write, an earlier part's close, this close) is
   * thrown.
   */
  async close(): Promise<void> {
    let first: unknown
    const flushed = this.flush()
    this.startWrites() // now, not at the next turn
    await flushed.catch((err: unknown) => {
      first = err
    })
    if (this.open) this.closePart(this.open)
    await this.closing
    first ??= this.failure
    if (first !== undefined) throw first
  }

  private endPart(): void {
    this.cut(true)
    this.part++
    this.partLines = 0
  }

  /**
   * Cuts the lines added since the last cut into a batch (a view of the slab) and starts
   * its write; `closesPart` when the part is full (or old) after them.
   */
  private cut(closesPart: boolean): void {
    if (this.texts.length > 0) this.encodeTexts()
    if (this.lines > 0) {
      this.cutWrites.push(this.write(this.buf.subarray(this.chunkStart, this.pos)))
      this.chunkStart = this.pos
      this.cutLines += this.lines
      this.lines = 0
    }
    if (closesPart && this.open?.part === this.part) this.closePart(this.open)
  }

  /** Starts writing `data` to the current part, creating its file first when it has none. */
  private write(data: Buffer): Promise<void> {
    if (this.failure !== undefined) {
      const failed = Promise.reject(this.failure)
      failed.catch(noop) // the flush that takes it reports it
      return failed
    }
    if (this.open?.part !== this.part) {
      const index = this.part
      const file = this.ready.then(() => this.options.store.create(join(this.dir, partName(this.firstPart + index, this.options.fileExt))))
      this.open = { part: index, file, writes: [], tail: Promise.resolve() }
    }
    const open = this.open
    // A batch that starts where the last one waiting ends (the same slab) joins it.
    const last = this.waiting.at(-1)
    if (last?.open === open && last.data.buffer === data.buffer && last.data.byteOffset + last.data.length === data.byteOffset) {
      last.data = Buffer.from(data.buffer, last.data.byteOffset, last.data.length + data.length)
      return last.done
    }
    let settle!: Pick<Waiting, 'resolve' | 'reject'>
    const done = new Promise<void>((resolve, reject) => (settle = { resolve, reject }))
    done.catch((err: unknown) => {
      this.failure ??= err
    })
    open.writes.push(done.catch(noop))
    this.waiting.push({ open, data, done, ...settle })
    if (!this.startScheduled) {
      this.startScheduled = true
      setImmediate(() => this.startWrites())
    }
    return done
  }

  /**
   * Starts the writes of the batches cut since the last turn of the event loop: one per
   * run of adjacent bytes, each without waiting for the last when the file can take
   * several at once (a local file writes each at its own offset).
   */
  private startWrites(): void {
    this.startScheduled = false
    const waiting = this.waiting
    this.waiting = []
    for (const { open, data, resolve, reject } of waiting) {
      const before = open.tail
      const seq = this.writesStarted++
      const write = open.file.then(async (file) => {
        if (!file.concurrent) await before
        // Nothing goes after a failed write; what goes before it (another part, still being created) is written.
        if (this.failedWrite < seq) throw this.failure
        await file.write(data)
      })
      write.catch((err: unknown) => {
        this.failure ??= err
        this.failedWrite = Math.min(this.failedWrite, seq)
      })
      open.tail = write.catch(noop)
      write.then(resolve, reject)
    }
  }

  /** Closes a part once its writes are done; close() waits for it. */
  private closePart(open: OpenPart): void {
    if (this.open === open) this.open = undefined
    const closed = Promise.all(open.writes)
      .then(() => open.file)
      .then((file) => file.close())
      .catch((err: unknown) => {
        this.failure ??= err
      })
    this.closing = Promise.all([this.closing, closed]).then(noop)
  }
}
