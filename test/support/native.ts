import { spawnSync } from 'node:child_process'
import { mkdirSync, renameSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
/** Where compiled test libraries go (git-ignored). */
export const NATIVE_CACHE = join(ROOT, '.cache', 'native')

const built = new Map<string, string | undefined>()

/**
 * Compiles `source` (a C file under the repo root, or C text when `text` is set)
 * into `.cache/native/<name>`, once per process, and returns its path; undefined
 * when gcc is missing. A compile error throws: that is a bug, not missing infrastructure.
 */
export function buildSharedLibrary(name: string, source: { file: string } | { text: string }): string | undefined {
  if (built.has(name)) return built.get(name)
  mkdirSync(NATIVE_CACHE, { recursive: true })
  let input: string
  if ('file' in source) {
    input = join(ROOT, source.file)
  } else {
    input = join(NATIVE_CACHE, `${name}.c`)
    writeFileSync(input, source.text)
  }
  const out = join(NATIVE_CACHE, name)
  // Built beside and renamed over: another process may have the old copy mapped.
  const tmp = `${out}.${process.pid}.tmp`
  const gcc = spawnSync('gcc', ['-shared', '-fPIC', '-O2', '-o', tmp, input], { encoding: 'utf8' })
  if (gcc.error !== undefined) {
    if ((gcc.error as NodeJS.ErrnoException).code !== 'ENOENT') throw gcc.error
    built.set(name, undefined)
    return undefined
  }
  if (gcc.status !== 0) throw new Error(`gcc failed to build ${name}:\n${gcc.stderr}`)
  renameSync(tmp, out)
  built.set(name, out)
  return out
}

/** The fake BytePS library of `test/native/byteps-fake.c`, built once per process; undefined without gcc. */
export function buildFakeByteps(): string | undefined {
  return buildSharedLibrary('libbyteps-fake.so', { file: 'test/native/byteps-fake.c' })
}
