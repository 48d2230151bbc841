import { createRequire } from 'node:module'
import type * as Koffi from 'koffi'
import { NativeLibraryError } from '../errors.js'

type KoffiModule = typeof Koffi

let koffiModule: KoffiModule | undefined

/**
 * koffi itself, required on first call: importing rxtrain must not load its native
 * addon (nor any library), so no module imports koffi at the top.
 */
export function koffi(): KoffiModule {
  return (koffiModule ??= createRequire(import.meta.url)('koffi') as KoffiModule)
}

/** A native library opened by {@link openLibrary}, with the path it came from. */
export interface OpenedLibrary {
  /** The library's name in errors (`libcudart`, `libbyteps`). */
  readonly library: string
  /** The path (or soname) that opened. */
  readonly path: string
  /** Declares one function by its C prototype; a missing symbol is a {@link NativeLibraryError}. */
  func(prototype: string): Koffi.KoffiFunc<(...args: any[]) => any>
}

/**
 * Opens the first of `candidates` that loads. Each is a path or a soname that the
 * dynamic loader resolves. When none loads, the error names every candidate tried and
 * carries the last loader error as `cause`.
 */
export function openLibrary(library: string, candidates: readonly string[]): OpenedLibrary {
  const k = koffi()
  const tried: string[] = []
  let lastError: unknown
  for (const path of candidates) {
    tried.push(path)
    let handle: Koffi.LibraryHandle
    try {
      handle = k.load(path)
    } catch (err) {
      lastError = err
      continue
    }
    return {
      library,
      path,
      func(prototype) {
        try {
          return handle.func(prototype)
        } catch (err) {
          throw new NativeLibraryError(library, [path], err)
        }
      },
    }
  }
  throw new NativeLibraryError(library, tried, lastError)
}

/**
 * The paths to try for a library: the caller's option, else the environment
 * variable, else the usual sonames. An explicit choice is the only one tried, so a
 * wrong path is reported rather than silently replaced by another copy.
 */
export function candidatePaths(option: string | undefined, envVar: string, sonames: readonly string[]): string[] {
  if (option !== undefined && option !== '') return [option]
  const fromEnv = process.env[envVar]
  if (fromEnv !== undefined && fromEnv !== '') return [fromEnv]
  return [...sonames]
}

/**
 * Wraps `declare` into a loader that opens `library` from a list of candidates and
 * caches the binding twice: by the candidates asked for, and by the path that loaded,
 * so that asking for the same library again (by option, env or soname) gives the same
 * object. A failed load is not cached, so a later call retries.
 */
export function cachedLoader<T>(library: string, declare: (lib: OpenedLibrary) => T): (candidates: readonly string[]) => T {
  const byRequest = new Map<string, T>()
  const byPath = new Map<string, T>()
  return (candidates) => {
    const request = candidates.join('\0')
    const cached = byRequest.get(request)
    if (cached !== undefined) return cached
    const lib = openLibrary(library, candidates)
    let binding = byPath.get(lib.path)
    if (binding === undefined) {
      binding = declare(lib)
      byPath.set(lib.path, binding)
    }
    byRequest.set(request, binding)
    return binding
  }
}
