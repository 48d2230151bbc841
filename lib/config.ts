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

/**
 * This process's place in a training cluster: `RXTRAIN_SERVER_TYPE` / `RXTRAIN_INDEX`,
 * else `TF_CONFIG`'s task, else `worker` and 0.
 *
 * @example
 * ```ts
 * import { clusterTask } from 'rxtrain'
 * clusterTask({ TF_CONFIG: '{"task":{"type":"ps","index":2}}' }) // { type: 'ps', index: 2 }
 * ```
 * @param env the environment; default `process.env`
 * @returns the task's type and index
 */
export function clusterTask(env: NodeJS.ProcessEnv = process.env): { type: string; index: number } {
  let task: { type?: unknown; index?: unknown } = {}
  try {
    task = JSON.parse(env.TF_CONFIG ?? '{}').task ?? {}
  } catch {
    // a TF_CONFIG that is not JSON says nothing about the task
  }
  const type = env.RXTRAIN_SERVER_TYPE ?? (typeof task.type === 'string' ? task.type : 'worker')
  const index = Number(env.RXTRAIN_INDEX ?? (typeof task.index === 'number' ? task.index : 0))
  return { type, index }
}
