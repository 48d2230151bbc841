import { join } from 'node:path'
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

/** Encoded lines bound for one part; `closesPart` when the part is full (or old) after them. */
interface Chunk {
  part: number
  data: Uint8Array
  lines: number
  closesPart: boolean
}

const NEWLINE = 10

// Buffer's own UTF-8 writer, without write()'s argument juggling (a fifth of the
// sink's time per line). Node has it on every Buffer; where it does not, write().
type Utf8Writer = { utf8Write?: (text: string, offset: number) => number }
const hasUtf8Write = typeof (Buffer.prototype as Utf8Writer).utf8Write === 'function'
const utf8Write = (buffer: Buffer, text: string, offset: number): number =>
  hasUtf8Write ? (buffer as Utf8Writer).utf8Write!(text, offset) : buffer.write(text, offset, 'utf8')

/**
 * WriteOnlyFileAndStat: the part files of one key's directory. Each line is encoded
 * into a reused byte buffer as it is added (so no line string outlives its step), and
 * assigned to its part there and then: a part takes exactly `partitionSize` lines, or
 * fewer when `rotateIntervalMs` has passed since its first line. A flush writes what
 * was added, in order, one write per batch and part; a full part is closed (and so
 * fsync'd) and the next opened only when there is a line for it, so no empty part is
 * left behind.
 */
export class PartitionedWriter {
  /** Lines written to files so far. */
  written = 0
  /** When a line was last added, by the sink's clock. */
  lastUpdate: number
  private firstPart = 0
  /** The part lines are added to, counted from `firstPart`. */
  private part = 0
  private partLines = 0
  private partStartedAt = 0
  private buffer = Buffer.allocUnsafeSlow(1 << 16)
  private used = 0
  private lines = 0
  private sealed: Chunk[] = []
  private sealedLines = 0
  private file: RecordFile | undefined
  private chain: Promise<void>
  /** Full parts being synced and closed while the next one is written. */
  private closing: Promise<void> = Promise.resolve()
  private closeError: unknown

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
    this.chain = Promise.resolve(options.firstPart ?? 0).then((part) => {
      this.firstPart = part
    })
  }

  /** The index the next new part would get: where a later writer for this directory starts (known once it closed). */
  get nextPart(): number {
    return this.firstPart + (this.partLines > 0 ? this.part + 1 : this.part)
  }

  /** Lines added and not yet handed to a flush. */
  get buffered(): number {
    return this.lines + this.sealedLines
  }

  /** Adds one laid-out line (no trailing newline), at time `now` by the sink's clock. */
  add(line: string, now: number): void {
    const { rotateIntervalMs } = this.options
    if (rotateIntervalMs > 0 && this.partLines > 0 && now - this.partStartedAt >= rotateIntervalMs) this.endPart()
    if (this.partLines === 0) this.partStartedAt = now
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    if (this.used + line.length * 3 + 1 > this.buffer.length) this.grow(this.used + line.length * 3 + 1)
    this.used += utf8Write(this.buffer, line, this.used)
    this.buffer[this.used++] = NEWLINE
    this.lines++
    this.lastUpdate = now
    if (++this.partLines === this.options.partitionSize) this.endPart()
  }

  /** Writes the added lines after every earlier flush; resolves with how many it wrote. */
  flush(): Promise<number> {
    this.seal(false)
    const chunks = this.sealed
    const lines = this.sealedLines
    this.sealed = []
    this.sealedLines = 0
    const done = this.chain.then(() => this.write(chunks)).then(() => lines)
    this.chain = done.then(
      () => {},
      () => {},
    )
    return done
  }

  /** Flushes, then closes (and so fsyncs) the open part. */
  async close(): Promise<void> {
    await this.flush()
    await this.chain
    await this.closing
    if (this.closeError !== undefined) throw this.closeError
    if (this.file) {
      const file = this.file
      this.file = undefined
      await file.close()
    }
  }

  private endPart(): void {
    this.seal(true)
    this.part++
    this.partLines = 0
  }

  /** Moves the buffer's lines into a chunk of their own (a copy: the buffer is reused). */
  private seal(closesPart: boolean): void {
    if (this.lines === 0 && !closesPart) return
    this.sealed.push({ part: this.part, data: Buffer.from(this.buffer.subarray(0, this.used)), lines: this.lines, closesPart })
    this.sealedLines += this.lines
    this.used = 0
    this.lines = 0
  }

  private grow(needed: number): void {
    const bigger = Buffer.allocUnsafeSlow(Math.max(needed, this.buffer.length * 2))
    this.buffer.copy(bigger, 0, 0, this.used)
    this.buffer = bigger
  }

  private async write(chunks: Chunk[]): Promise<void> {
    for (const chunk of chunks) {
      if (this.closeError !== undefined) throw this.closeError
      if (chunk.lines > 0) {
        this.file ??= await this.options.store.create(join(this.dir, partName(this.firstPart + chunk.part, this.options.fileExt)))
        await this.file.write(chunk.data)
        this.written += chunk.lines
      }
      if (chunk.closesPart && this.file) {
        // A full part syncs and closes while the next one is written; close() waits for it.
        const closed = this.file.close().catch((err: unknown) => {
          this.closeError ??= err
        })
        this.file = undefined
        this.closing = Promise.all([this.closing, closed]).then(() => {})
      }
    }
  }
}
