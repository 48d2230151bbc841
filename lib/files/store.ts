import { mkdir, open, type FileHandle } from 'node:fs/promises'
import { dirname } from 'node:path'
import { FileSinkError } from '../errors.js'
import { syncAndClose, writeFully } from './handle.js'

/** One open part file. */
export interface RecordFile {
  /** Appends bytes (a string as UTF-8). */
  write(data: Uint8Array | string): Promise<void>
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

class LocalFile implements RecordFile {
  constructor(
    private readonly handle: FileHandle,
    private readonly path: string,
  ) {}

  async write(data: Uint8Array | string): Promise<void> {
    try {
      await writeFully(this.handle, typeof data === 'string' ? Buffer.from(data) : data)
    } catch (err) {
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

  close(): Promise<void> {
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
