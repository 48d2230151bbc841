import { readFileSync } from 'node:fs'

/** Why the real-libcudart tests are pending (or, under CI=true, failing). */
export const CUDART_MISSING =
  'libcudart not found: set RXTRAIN_CUDART to a libcudart.so.12 (.ci/run fetches one from the nvidia-cuda-runtime-cu12 wheel into .cache/cudart/)'

/**
 * The files this process has mapped, from /proc/self/maps (Linux), or undefined where
 * there is no such file.
 */
export function mappedFiles(): string[] | undefined {
  let maps: string
  try {
    maps = readFileSync('/proc/self/maps', 'utf8')
  } catch {
    return undefined
  }
  const files = new Set<string>()
  for (const line of maps.split('\n')) {
    // address perms offset dev inode pathname; the pathname may contain spaces
    const m = /^\S+\s+\S+\s+\S+\s+\S+\s+\d+\s+(\/.*)$/.exec(line)
    if (m) files.add(m[1]!.replace(/ \(deleted\)$/, ''))
  }
  return [...files]
}

/**
 * A shared library that surely exists and has no CUDA symbols: the C library this very
 * process runs on (glibc's libc.so.6, or musl's loader), or undefined off Linux.
 */
export function libcPath(): string | undefined {
  return mappedFiles()?.find((f) => /\/libc(\.so[.\d]*|-[\d.]+\.so)$/.test(f) || /\/ld-musl-[^/]+\.so\.1$/.test(f))
}
