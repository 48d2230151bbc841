import { join } from 'node:path'
import type { RecordFile, RecordStore } from './store.js'

/** How a {@link PartitionedWriter} cuts its directory into part files. */
export interface PartitionOptions {
  store: RecordStore
  /** Lines per part, exactly (the last part may hold fewer). */
  partitionSize: number
  /** Extension of the part files, without the dot. */
  fileExt: string
  /** Start a new part once the current one is this old (ms) and has a line; 0 never. */
  rotateIntervalMs: number
  /** The clock (the sink's scheduler). */
  now: () => number
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

/**
 * WriteOnlyFileAndStat: the part files of one key's directory. Lines are buffered
 * by the caller's batches and written in order, one write per batch and part; a part
 * is closed (and fsync'd) at exactly `partitionSize` lines, and the next one opened
 * only when there is a line for it, so no empty part is left behind.
 */
export class PartitionedWriter {
  /** Lines written to files so far. */
  written = 0
  /** When a line was last added, by the sink's clock. */
  lastUpdate: number
  private part = 0
  private linesInPart = 0
  private file: RecordFile | undefined
  private fileOpenedAt = 0
  private pending: string[] = []
  private chain: Promise<void>

  /**
   * @param dir the key's directory
   * @param options part size, rotation, store and clock
   */
  constructor(
    readonly dir: string,
    private readonly options: PartitionOptions,
  ) {
    this.lastUpdate = options.now()
    this.chain = Promise.resolve(options.firstPart ?? 0).then((part) => {
      this.part = part
    })
  }

  /** The index the next new part would get: where a later writer for this directory starts. */
  get nextPart(): number {
    return this.linesInPart > 0 ? this.part + 1 : this.part
  }

  /** Lines added and not yet handed to a flush. */
  get buffered(): number {
    return this.pending.length
  }

  /** Adds one laid-out line (no trailing newline), at time `now` by the sink's clock. */
  add(line: string, now: number): void {
    this.pending.push(line)
    this.lastUpdate = now
  }

  /** Writes the buffered lines after every earlier flush; resolves with how many it wrote. */
  flush(): Promise<number> {
    const lines = this.pending
    this.pending = []
    const done = this.chain.then(() => this.writeLines(lines)).then(() => lines.length)
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
    if (this.file) {
      const file = this.file
      this.file = undefined
      await file.close()
    }
  }

  private async writeLines(lines: string[]): Promise<void> {
    const { partitionSize, rotateIntervalMs, now } = this.options
    let at = 0
    while (at < lines.length) {
      if (this.file && rotateIntervalMs > 0 && this.linesInPart > 0 && now() - this.fileOpenedAt >= rotateIntervalMs) {
        await this.startNextPart()
      }
      if (!this.file) {
        this.file = await this.options.store.create(join(this.dir, partName(this.part, this.options.fileExt)))
        this.fileOpenedAt = now()
      }
      const take = Math.min(partitionSize - this.linesInPart, lines.length - at)
      const chunk = take === lines.length ? lines : lines.slice(at, at + take)
      await this.file.write(chunk.join('\n') + '\n')
      this.linesInPart += take
      this.written += take
      at += take
      if (this.linesInPart >= partitionSize) await this.startNextPart()
    }
  }

  private async startNextPart(): Promise<void> {
    const file = this.file!
    this.file = undefined
    this.part++
    this.linesInPart = 0
    await file.close()
  }
}
