/** Settings rxtrain reads from the environment, parsed once. */
export interface EnvConfig {
  /** `KAFKA_BROKER_LIST`: comma-separated `host:port`s. */
  kafkaBrokers: string[] | undefined
  /** `KAFKA_TOPIC_NAME`. */
  kafkaTopic: string | undefined
}

/**
 * Reads the environment rxtrain's sinks fall back on.
 *
 * @example
 * ```ts
 * import { envConfig } from 'rxtrain'
 * const { kafkaBrokers, kafkaTopic } = envConfig({ KAFKA_BROKER_LIST: 'a:9092,b:9092', KAFKA_TOPIC_NAME: 't' })
 * // ['a:9092', 'b:9092'], 't'
 * ```
 * @param env the environment; default `process.env`
 * @returns the parsed settings; unset or blank values are undefined
 */
export function envConfig(env: NodeJS.ProcessEnv = process.env): EnvConfig {
  const list = env.KAFKA_BROKER_LIST?.split(',').map((b) => b.trim()).filter(Boolean)
  const topic = env.KAFKA_TOPIC_NAME?.trim()
  return {
    kafkaBrokers: list && list.length > 0 ? list : undefined,
    kafkaTopic: topic ? topic : undefined,
  }
}
