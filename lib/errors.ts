/**
 * Every error rxtrain throws is an {@link RxtrainError}: it carries the original
 * error as `cause` and says whether trying again may help (`retriable`).
 *
 * @example
 * ```ts
 * import { customMetrics, RxtrainError } from 'rxtrain'
 * try { customMetrics([]) } catch (err) { console.log(err instanceof RxtrainError) } // true
 * ```
 */
export class RxtrainError extends Error {
  /** True when the same call may succeed later (a broker that is restarting, say). */
  readonly retriable: boolean

  /**
   * @param message what went wrong, naming the thing at fault
   * @param options the underlying error and whether a retry may help
   */
  constructor(message: string, options: { cause?: unknown; retriable?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = new.target.name
    this.retriable = options.retriable ?? false
  }
}

/** An option given to an operator, source, sink or client is missing or wrong. Thrown at creation, before any I/O. */
export class ConfigError extends RxtrainError {}

/** A metric value from a source is not a number or a rank-0 float32/int32 tensor. */
export class MetricTensorError extends RxtrainError {
  /**
   * @param metric the metric's name
   * @param shape the tensor's shape, or undefined when the value is not a tensor
   * @param dtype the tensor's dtype, or the JavaScript type when the value is not a tensor
   */
  constructor(
    readonly metric: string,
    readonly shape: readonly number[] | undefined,
    readonly dtype: string,
  ) {
    super(
      shape === undefined
        ? `metric '${metric}' must be a number or a rank-0 float32/int32 tensor, got a value of type ${dtype}`
        : `metric '${metric}' must be a rank-0 float32 or int32 tensor, got shape [${shape.join(', ')}] and dtype ${dtype}`,
    )
  }
}

/** A step lacks a metric that an operator was asked to read. */
export class MissingMetricError extends RxtrainError {
  /**
   * @param metric the metric asked for
   * @param step the step that lacks it
   * @param available the metric names the step has
   */
  constructor(readonly metric: string, readonly step: number, available: readonly string[]) {
    super(`step ${step} has no metric '${metric}' (it has: ${available.length ? available.join(', ') : 'none'})`)
  }
}

/** A metrics backend refused a metric (a bad name, a changed label set, a closed client). */
export class MetricsClientError extends RxtrainError {}

/** A native library or one of its symbols could not be loaded. */
export class NativeLibraryError extends RxtrainError {
  /**
   * @param library the library's name (`libcudart`, `libbyteps`)
   * @param pathTried every path that was tried, in order
   * @param cause the loader's error
   */
  constructor(readonly library: string, readonly pathTried: readonly string[], cause?: unknown) {
    super(
      `cannot load ${library} (tried: ${pathTried.join(', ') || 'nothing'})` +
        (cause instanceof Error ? `: ${cause.message}` : ''),
      { cause },
    )
  }
}

/** A native call returned an error code. */
export class NativeCallError extends RxtrainError {
  /**
   * @param library the library called
   * @param fn the function that failed
   * @param code the code it returned
   * @param meaning what the library says the code means
   * @param path the file the library was loaded from
   */
  constructor(
    readonly library: string,
    readonly fn: string,
    readonly code: number,
    readonly meaning: string,
    readonly path?: string,
  ) {
    super(`${library}${path === undefined ? '' : ` (${path})`}: ${fn}() returned ${code} (${meaning})`)
  }
}

/** A sink could not deliver or store what it accepted. */
export class SinkError extends RxtrainError {}

/** Records could not be delivered to Kafka. */
export class KafkaSinkError extends SinkError {}

/** A file sink could not write, or a record's key would leave its base directory. */
export class FileSinkError extends SinkError {
  /**
   * @param message what went wrong
   * @param path the path at fault
   * @param options cause and retriable
   */
  constructor(message: string, readonly path: string, options: { cause?: unknown; retriable?: boolean } = {}) {
    super(message, options)
  }
}

/** A profiling window's dump could not be written. */
export class ProfileDumpError extends RxtrainError {
  /**
   * @param message what went wrong
   * @param path the path at fault
   * @param options cause
   */
  constructor(message: string, readonly path: string, options: { cause?: unknown } = {}) {
    super(message, options)
  }
}

/** A TensorBoard event file could not be created or written (`tensorboardSink`). */
export class TensorBoardSinkError extends SinkError {
  /**
   * @param message what went wrong, naming the path
   * @param path the event file (or directory) at fault
   * @param options cause and retriable
   */
  constructor(message: string, readonly path: string, options: { cause?: unknown; retriable?: boolean } = {}) {
    super(message, options)
  }
}
