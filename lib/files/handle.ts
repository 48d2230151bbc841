import type { FileHandle } from 'node:fs/promises'

/**
 * Writes all of `data` at `position` in the file, or at the handle's position when
 * null. A short write (a nearly full disk) goes on from where it stopped, so the next
 * call fails with ENOSPC rather than a chunk's tail being dropped without a word.
 */
export async function writeFully(handle: FileHandle, data: Uint8Array, position: number | null = null): Promise<void> {
  for (let at = 0; at < data.length; ) {
    at += (await handle.write(data, at, data.length - at, position === null ? null : position + at)).bytesWritten
  }
}

/**
 * fsyncs and closes `handle`; it is closed even when the fsync fails. Errors are
 * passed through `wrap(action, err)`, which names the file.
 */
export async function syncAndClose(handle: FileHandle, wrap: (action: string, err: unknown) => Error): Promise<void> {
  try {
    await handle.sync()
  } catch (err) {
    throw wrap('fsync', err)
  } finally {
    await handle.close().catch(() => {})
  }
}
