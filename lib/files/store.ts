import { mkdir, open, type FileHandle } from 'node:fs/promises'
import { dirname } from 'node:path'
import { FileSinkError } from '../errors.js'
import { syncAndClose, writeFully } from './handle.js'

/** One open part file. */
export interface RecordFile {
  /**
   * Appends bytes (a string as UTF-8). fileSink waits for one write to settle before
   * the next, unless `concurrent` is true.
   */
  write(data: Uint8Array | string): Promise<void>
  /**
   * True when `write` may be called again before the last call settled, each call's
   * bytes still landing after the last call's (the local file writes each at its own
   * offset); then a write that fails must leave nothing of it or of later calls in the
   * file once it is closed. Default false.
   */
  readonly concurrent?: boolean
  /** Makes what was written durable (fsync on a local disk). */
  sync(): Promise<void>
  /** Syncs and closes. */
  close(): Promise<void>
}

/**
 * Where `fileSink` writes part files. The local filesystem is the one implementation
 * ({@link localStore}); another (an object store, HDFS) implements `create`: make the
 * parent directories, truncate, and return a {@link RecordFile}. Errors should name
 * the path (a {@link FileSinkError}).
 */
export interface RecordStore {
  /** Creates (or truncates) the file at `path`, with its parent directories. */
  create(path: string): Promise<RecordFile>
}

function fileError(action: string, path: string, err: unknown): FileSinkError {
  const code = (err as NodeJS.ErrnoException).code
  return new FileSinkError(`fileSink: cannot ${action} ${path}: ${code ?? ''} ${(err as Error).message}`.replace(/ +/g, ' '), path, {
    cause: err,
    retriable: code === 'ENOSPC' || code === 'EAGAIN',
  })
}

/**
 * A local file: each write goes at its own offset, given when it is called, so several
 * can be under way at once (the thread pool runs them while JavaScript goes on).
 */
class LocalFile implements RecordFile {
  readonly concurrent = true
  /** Where the next write goes. */
  private size = 0
  /** Where the first failed write was to go: the file is cut there on close. */
  private failedAt = Infinity

  constructor(
    private readonly handle: FileHandle,
    private readonly path: string,
  ) {}

  async write(data: Uint8Array | string): Promise<void> {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data
    const at = this.size
    this.size += bytes.length
    try {
      await writeFully(this.handle, bytes, at)
    } catch (err) {
      this.failedAt = Math.min(this.failedAt, at)
      throw fileError('write', this.path, err)
    }
  }

  async sync(): Promise<void> {
    try {
      await this.handle.sync()
    } catch (err) {
      throw fileError('fsync', this.path, err)
    }
  }

  async close(): Promise<void> {
    // After a failed write, later ones may have landed beyond it: the file keeps only what came before it.
    if (this.failedAt !== Infinity) await this.handle.truncate(this.failedAt).catch(() => {})
    return syncAndClose(this.handle, (action, err) => fileError(action, this.path, err))
  }
}

/**
 * The local filesystem.
 *
 * @example
 * ```ts
 * import { fileSink, localStore, vepfsKey } from 'rxtrain'
 * fileSink({ keyFn: vepfsKey, store: localStore() })
 * ```
 * @returns a store writing with `node:fs`
 */
export function localStore(): RecordStore {
  return {
    async create(path) {
      try {
        await mkdir(dirname(path), { recursive: true })
        return new LocalFile(await open(path, 'w'), path)
      } catch (err) {
        throw fileError('create', path, err)
      }
    },
  }
}
