import { cachedLoader, candidatePaths, koffi, type OpenedLibrary } from './loader.js'

/** One communication op's latency summary over the interval since the last read. */
export interface TelemetryEntry {
  /** The op's name, e.g. `PushPull.gradient_3` or `alltoall_embeddings`. */
  name: string
  /** Mean latency, in microseconds. */
  meanUs: number
  /** Standard deviation of the latency, in microseconds. */
  stdevUs: number
  /** How many times the op ran in the interval. */
  count: number
}

/**
 * Where {@link telemetryEvery} gets communication telemetry: BytePS through
 * {@link loadByteps}, or any object with the same two methods (another collective
 * library, a test double).
 */
export interface TelemetrySource {
  /** This worker's rank; only rank 0 reports. */
  rank(): number
  /** The summaries since the last read; reading resets them. */
  read(): TelemetryEntry[]
}

/** The BytePS C library, opened by {@link loadByteps}. */
export interface BytepsTelemetry extends TelemetrySource {
  /** The path (or soname) the library was loaded from. */
  readonly path: string
}

/** Options of {@link loadByteps}. */
export interface LoadBytepsOptions {
  /** The library's path. Default: `RXTRAIN_BYTEPS`, else `libbyteps.so` from the loader's search path. */
  path?: string
}

/**
 * Opens libbyteps (on first use for a given path; later calls return the cached object)
 * and declares `byteps_rank`, `byteps_get_telemetry_size` and `byteps_get_telemetry_data`
 * once. Only `options.path` is tried when given, else only `RXTRAIN_BYTEPS` when set,
 * else `libbyteps.so`; a failed load is not cached, so a later call retries. Each
 * `read()` asks the library how many ops it has, reads that many into fresh
 * buffers, and copies every name out at once (the library owns the strings).
 *
 * @example
 * ```ts
 * import { loadByteps } from 'rxtrain'
 * const byteps = loadByteps({ path: '/opt/byteps/lib/libbyteps.so' })
 * if (byteps.rank() === 0) for (const op of byteps.read()) console.log(op.name, op.meanUs)
 * ```
 * @param options where the library is
 * @returns the library's telemetry calls
 * @throws NativeLibraryError naming `libbyteps` and the paths tried, when the library
 *   or one of the three symbols cannot be loaded
 */
export function loadByteps(options: LoadBytepsOptions = {}): BytepsTelemetry {
  return load(candidatePaths(options.path, 'RXTRAIN_BYTEPS', ['libbyteps.so']))
}

const load = cachedLoader('libbyteps', declare)

function declare(lib: OpenedLibrary): BytepsTelemetry {
  const rank = lib.func('int byteps_rank()')
  const getSize = lib.func('void byteps_get_telemetry_size(int32_t *size)')
  const getData = lib.func(
    'void byteps_get_telemetry_data(const char **names, float *mean, float *stdev, int *count, int *actual_size, int max_size)',
  )
  const k = koffi()
  const pointerSize = k.sizeof('void *')
  return Object.freeze({
    path: lib.path,
    rank: () => rank() as number,
    read() {
      const sizeOut = new Int32Array(1)
      getSize(sizeOut)
      const size = Math.max(0, sizeOut[0]!)
      // At least one slot, so no buffer is empty (an empty one may reach C as NULL).
      const slots = Math.max(1, size)
      // Zeroed: a slot the library leaves unset decodes as NULL, not as garbage.
      const names = Buffer.alloc(slots * pointerSize)
      const mean = new Float32Array(slots)
      const stdev = new Float32Array(slots)
      const count = new Int32Array(slots)
      const actualOut = new Int32Array(1)
      getData(names, mean, stdev, count, actualOut, size)
      // Ops may have been added between the two calls: the library reports what it wrote.
      const actual = Math.min(size, Math.max(0, actualOut[0]!))
      const entries: TelemetryEntry[] = new Array(actual)
      for (let i = 0; i < actual; i++) {
        const name = k.decode(names, i * pointerSize, 'const char *') as string | null
        entries[i] = { name: name ?? '', meanUs: mean[i]!, stdevUs: stdev[i]!, count: count[i]! }
      }
      return entries
    },
  })
}
