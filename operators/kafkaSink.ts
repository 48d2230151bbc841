import { Observable, type MonoTypeOperatorFunction } from 'rxjs'
import { envConfig } from '../lib/config.js'
import { ConfigError } from '../lib/errors.js'
import { KProducer, producerSettings, type KProducerOptions, type KProducerStats } from '../lib/kafka/producer.js'
import { stderrLogger } from '../lib/log.js'
import { joinSinkRegistry } from '../lib/sinks/registry.js'
import type { TrainingStep } from '../lib/step.js'

/** Options of {@link kafkaSink}: where, what, and the {@link KProducer}'s options. */
export interface KafkaSinkOptions extends KProducerOptions {
  /** Bootstrap brokers. Default `KAFKA_BROKER_LIST` (comma-separated). */
  brokers?: string[]
  /** Topic. Default `KAFKA_TOPIC_NAME`. */
  topic?: string
  /** What to send for a step. Default its `records`. */
  select?: (step: TrainingStep) => unknown
  /** Called with the producer's final counters once it has drained. */
  onClose?: (stats: KProducerStats) => void
}

const records = (step: TrainingStep) => step.records

/**
 * KafkaMetricHook: ships each step's records (or what `select` returns) to Kafka
 * and passes the step on. Opens a {@link KProducer} on subscribe; on complete it
 * delivers everything buffered and waits for every request before completing (on
 * error and unsubscribe it drains too, and the exit hook drains it on SIGTERM), then
 * logs the success and failed counts. A failed delivery never stalls the steps;
 * a full buffer pauses rxtrain's sources under `whenFull: 'wait'`. With no brokers
 * and no topic given or in the environment, it logs that once and passes steps through.
 *
 * @example
 * ```ts
 * import { fromLoop, kafkaSink } from 'rxtrain'
 * fromLoop({ steps: 10, step: (i) => ({ loss: 0, records: [JSON.stringify({ i })] }) })
 *   .pipe(kafkaSink({ brokers: ['127.0.0.1:9092'], topic: 'deep-insight' }))
 *   .subscribe()
 * ```
 * @param options brokers, topic, `select`, and producer options (batching, buffer caps, acks, gzip, idempotence)
 * @returns a pass-through operator
 * @throws ConfigError when only one of brokers and topic is known
 */
export function kafkaSink(options: KafkaSinkOptions = {}): MonoTypeOperatorFunction<TrainingStep> {
  const env = envConfig()
  const brokers = options.brokers ?? env.kafkaBrokers
  const topic = options.topic ?? env.kafkaTopic
  const logger = options.logger ?? stderrLogger()
  if (brokers === undefined && topic === undefined) {
    logger.info('kafkaSink: no brokers or topic (options, KAFKA_BROKER_LIST, KAFKA_TOPIC_NAME): steps pass through, nothing is sent')
    return (source) => source
  }
  if (brokers === undefined) throw new ConfigError(`kafkaSink: topic '${topic}' given but no brokers (set brokers or KAFKA_BROKER_LIST)`)
  if (topic === undefined) throw new ConfigError('kafkaSink: brokers given but no topic (set topic or KAFKA_TOPIC_NAME)')
  producerSettings(options)
  const select = options.select ?? records
  return (source) =>
    new Observable<TrainingStep>((subscriber) => {
      const producer = new KProducer(brokers, topic, { ...options, logger })
      let draining: Promise<void> | undefined
      const drain = () =>
        (draining ??= producer.close().then((stats) => {
          leave()
          logger.info(
            `kafkaSink(${topic}): ${stats.success} delivered, ${stats.failed} failed` +
              (stats.dropped ? `, ${stats.dropped} dropped` : '') +
              ` of ${stats.total}` +
              (stats.lastError && stats.failed ? ` (last error: ${stats.lastError.message})` : ''),
          )
          try {
            options.onClose?.(stats)
          } catch (err) {
            logger.warn(`kafkaSink(${topic}): onClose threw: ${String(err)}`)
          }
        }))
      const leave = joinSinkRegistry({ name: `kafkaSink(${topic})`, drain, ready: () => producer.ready(), busy: () => producer.busy() })
      const upstream = source.subscribe({
        next(step) {
          if (subscriber.closed) return
          if (draining !== undefined) {
            // The exit hook closed the producer: steps go on, their records are no longer taken.
            subscriber.next(step)
            return
          }
          try {
            producer.send(select(step))
          } catch (err) {
            drain().finally(() => subscriber.error(err))
            return
          }
          subscriber.next(step)
        },
        error: (err) => void drain().finally(() => subscriber.error(err)),
        complete: () => void drain().then(() => subscriber.complete(), (err: unknown) => subscriber.error(err)),
      })
      return () => {
        upstream.unsubscribe()
        void drain()
      }
    })
}
