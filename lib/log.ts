/** Where rxtrain says what it did: a sink's final counts, a dropped record, a backend that failed. */
export interface Logger {
  info(message: string): void
  warn(message: string): void
  error(message: string): void
}

const LEVELS = { debug: 0, info: 1, warn: 2, error: 3, silent: 4 } as const

/**
 * The default logger: lines on stderr prefixed `rxtrain:`, at or above the level in
 * `RXTRAIN_LOG_LEVEL` (`debug`, `info`, `warn`, `error` or `silent`; default `info`).
 *
 * @example
 * ```ts
 * import { stderrLogger } from 'rxtrain'
 * stderrLogger().info('hello') // rxtrain: hello
 * ```
 * @param level the lowest level written; default from the environment
 * @returns the logger
 */
export function stderrLogger(level: keyof typeof LEVELS = envLevel()): Logger {
  const min = LEVELS[level]
  const write = (at: number, message: string) => {
    if (at >= min) process.stderr.write(`rxtrain: ${message}\n`)
  }
  return {
    info: (message) => write(LEVELS.info, message),
    warn: (message) => write(LEVELS.warn, message),
    error: (message) => write(LEVELS.error, message),
  }
}

function envLevel(): keyof typeof LEVELS {
  const level = process.env.RXTRAIN_LOG_LEVEL
  return level !== undefined && level in LEVELS ? (level as keyof typeof LEVELS) : 'info'
}

/**
 * A function that logs its first `n` calls and drops the rest, as absl's
 * `log_first_n`.
 *
 * @example
 * ```ts
 * import { logFirstN, stderrLogger } from 'rxtrain'
 * const log = logFirstN(stderrLogger(), 'info', 10)
 * for (let i = 0; i < 20; i++) log(`message ${i}`) // logs messages 0..9
 * ```
 * @param logger where lines go
 * @param level the level to log at
 * @param n how many calls to log
 * @returns the logging function
 */
export function logFirstN(logger: Logger, level: 'info' | 'warn' | 'error', n: number): (message: string) => void {
  let left = n
  return (message) => {
    if (left <= 0) return
    left--
    logger[level](message)
  }
}
