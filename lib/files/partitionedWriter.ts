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
  data: Buffer
  lines: number
  closesPart: boolean
}

/**
 * WriteOnlyFileAndStat: the part files of one key's directory. Lines are joined into
 * one string as they are added and encoded once per chunk (one UTF-8 conversion per
 * batch rather than a call into C++ per line; the line strings die young), and each is assigned to its part there and then: a part takes exactly
 * `partitionSize` lines, or fewer when `rotateIntervalMs` has passed since its first
 * line. A flush writes what was added, in order, after every earlier flush; whatever
 * flushes queued while a write was under way go out in one write per part, so a busy
 * step loop waits on one write, not on one per batch; a full part is closed (and so
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
  /** The lines added since the last chunk, each with its newline. */
  private text = ''
  private lines = 0
  /** Lines sealed into chunks since the last flush (the chunks wait in `queue`). */
  private sealedLines = 0
  private file: RecordFile | undefined
  private chain: Promise<void>
  /** Full parts being synced and closed while the next one is written. */
  private closing: Promise<void> = Promise.resolve()
  /** The first failed write or part close: every later flush, and close(), fails with it. */
  private failure: unknown
  /** Chunks not yet written, in order. */
  private queue: Chunk[] = []

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
    this.text += line + '\n'
    this.lines++
    this.lastUpdate = now
    if (++this.partLines === this.options.partitionSize) this.endPart()
  }

  /** Writes the added lines after every earlier flush; resolves with how many it wrote. */
  flush(): Promise<number> {
    this.seal(false)
    const lines = this.sealedLines
    this.sealedLines = 0
    const done = this.chain.then(() => this.writeQueued()).then(() => lines)
    this.chain = done.then(
      () => {},
      () => {},
    )
    return done
  }

  /**
   * Flushes, then closes (and so fsyncs) the open part. The part is closed even when a
   * write failed; the first failure (a write, an earlier part's close, this close) is
   * thrown.
   */
  async close(): Promise<void> {
    let first: unknown
    await this.flush().catch((err: unknown) => {
      first = err
    })
    await this.chain
    await this.closing
    first ??= this.failure
    const file = this.file
    this.file = undefined
    if (file) {
      await file.close().catch((err: unknown) => {
        first ??= err
      })
    }
    if (first !== undefined) throw first
  }

  private endPart(): void {
    this.seal(true)
    this.part++
    this.partLines = 0
  }

  /** Moves the added lines into a chunk of their own, encoded. */
  private seal(closesPart: boolean): void {
    if (this.lines === 0 && !closesPart) return
    this.queue.push({ part: this.part, data: Buffer.from(this.text), lines: this.lines, closesPart })
    this.sealedLines += this.lines
    this.text = ''
    this.lines = 0
  }

  /**
   * Writes every queued chunk: a run of chunks for one part in one write. A failed write
   * fails this flush and every later one (their lines were queued behind it).
   */
  private async writeQueued(): Promise<void> {
    if (this.failure !== undefined) throw this.failure
    try {
      while (this.queue.length > 0) {
        const chunks = this.queue
        this.queue = []
        for (let i = 0; i < chunks.length; ) {
          if (this.failure !== undefined) throw this.failure
          const part = chunks[i]!.part
          const data: Buffer[] = []
          let lines = 0
          let closesPart = false
          while (i < chunks.length && chunks[i]!.part === part && !closesPart) {
            const chunk = chunks[i++]!
            data.push(chunk.data)
            lines += chunk.lines
            closesPart = chunk.closesPart
          }
          if (lines > 0) {
            this.file ??= await this.options.store.create(join(this.dir, partName(this.firstPart + part, this.options.fileExt)))
            await this.file.write(data.length === 1 ? data[0]! : Buffer.concat(data))
            this.written += lines
          }
          if (closesPart && this.file) {
            // A full part syncs and closes while the next one is written; close() waits for it.
            const closed = this.file.close().catch((err: unknown) => {
              this.failure ??= err
            })
            this.file = undefined
            this.closing = Promise.all([this.closing, closed]).then(() => {})
          }
        }
      }
    } catch (err) {
      this.failure ??= err
      throw err
    }
  }
}
