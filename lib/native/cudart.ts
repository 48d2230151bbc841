import { NativeCallError } from '../errors.js'
import { cachedLoader, candidatePaths, type OpenedLibrary } from './loader.js'

/**
 * Where {@link loadCudart} looks for the CUDA runtime.
 *
 * @example
 * ```ts
 * import { loadCudart, type CudartOptions } from 'rxtrain'
 * const options: CudartOptions = { path: '/usr/local/cuda/lib64/libcudart.so.12' }
 * loadCudart(options)
 * ```
 */
export interface CudartOptions {
  /** Path to libcudart; default RXTRAIN_CUDART, then the usual sonames. */
  path?: string
}

/**
 * The CUDA runtime's profiler controls, as loaded by {@link loadCudart}. With
 * `nsys profile --capture-range=cudaProfilerApi`, only what runs between
 * `profilerStart()` and `profilerStop()` is captured.
 *
 * @example
 * ```ts
 * import { loadCudart, NativeCallError } from 'rxtrain'
 * const cudart = loadCudart()
 * try {
 *   cudart.profilerStart()
 * } catch (err) {
 *   // on a machine without a driver: libcudart (libcudart.so): cudaProfilerStart() returned 35 (CUDA driver version is insufficient ...)
 *   if (err instanceof NativeCallError) console.log(err.code, err.meaning)
 * }
 * ```
 */
export interface Cudart {
  /** The path or soname that loaded. */
  readonly path: string
  /** cudaProfilerStart(); a non-zero cudaError_t throws NativeCallError('libcudart', 'cudaProfilerStart', code, cudaGetErrorString(code), path). */
  profilerStart(): void
  /** cudaProfilerStop(); same error handling. */
  profilerStop(): void
}

/**
 * The sonames tried when neither the option nor RXTRAIN_CUDART is set, newest CUDA
 * first: the unversioned name (a CUDA toolkit's own link), then CUDA 13, 12 and 11's
 * runtimes (`cudart64_*.dll` on Windows).
 *
 * @example
 * ```ts
 * import { CUDART_SONAMES } from 'rxtrain'
 * console.log(CUDART_SONAMES[0]) // 'libcudart.so' on Linux
 * ```
 */
export const CUDART_SONAMES: readonly string[] = Object.freeze(
  process.platform === 'win32'
    ? ['cudart64_13.dll', 'cudart64_12.dll', 'cudart64_110.dll']
    : ['libcudart.so', 'libcudart.so.13', 'libcudart.so.12', 'libcudart.so.11.0'],
)

/**
 * Loads libcudart (on first use for a given path; later calls return the cached object)
 * and declares `cudaProfilerStart`, `cudaProfilerStop` and `cudaGetErrorString` once.
 * Only `options.path` is tried when given, else only RXTRAIN_CUDART when set, else
 * {@link CUDART_SONAMES} in order. A failed load is not cached, so a later call retries.
 *
 * @example
 * ```ts
 * import { loadCudart } from 'rxtrain'
 * const cudart = loadCudart({ path: '/usr/local/cuda/lib64/libcudart.so.12' })
 * cudart.profilerStart() // nsys --capture-range=cudaProfilerApi starts capturing
 * // ... the steps to profile ...
 * cudart.profilerStop()
 * ```
 * @param options `path`: the library to load instead of RXTRAIN_CUDART or the sonames
 * @returns the loaded runtime's profiler controls and the path that loaded
 * @throws NativeLibraryError naming `libcudart` and every path tried, when none loads or
 *   one of the three functions is missing
 */
export function loadCudart(options: CudartOptions = {}): Cudart {
  return load(candidatePaths(options.path, 'RXTRAIN_CUDART', CUDART_SONAMES))
}

const load = cachedLoader('libcudart', (lib: OpenedLibrary): Cudart => {
  // cudaError_t is a C enum: an int.
  const start = lib.func('int cudaProfilerStart()')
  const stop = lib.func('int cudaProfilerStop()')
  const errorString = lib.func('const char *cudaGetErrorString(int error)')
  const path = lib.path
  const check = (fn: string, code: number): void => {
    if (code === 0) return
    const meaning = (errorString(code) as string | null) ?? `cudaError_t ${code} (no description)`
    throw new NativeCallError('libcudart', fn, code, meaning, path)
  }
  return Object.freeze({
    path,
    profilerStart: () => check('cudaProfilerStart', start() as number),
    profilerStop: () => check('cudaProfilerStop', stop() as number),
  })
})
