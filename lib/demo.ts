import { lastValueFrom, share, tap, merge, ignoreElements } from 'rxjs'
import { installExitHook } from './exitHook.js'
import { RxtrainError } from './errors.js'
import { prometheusClient } from './metrics/prometheus.js'
import { fromFit } from './sources/fromFit.js'
import { customMetrics, emitMetrics, mergeMetrics, stepLoss, throughput, throughputEvery } from '../operators/index.js'

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /** Training examples generated. Default 4096. */
  samples?: number
  /** Examples per batch. Default 32. */
  batchSize?: number
  /** Epochs. Default 5. */
  epochs?: number
  /** Port of the Prometheus endpoint (0 picks a free one). Default 9464, or a free port when taken. */
  port?: number
  /** Seconds to keep serving /metrics after training ends. Default 0. */
  lingerSecs?: number
  /** Where progress goes. Default stdout. */
  print?: (line: string) => void
}

/** What a demo run did. */
export interface DemoSummary {
  steps: number
  firstLoss: number
  finalLoss: number
  seconds: number
  metricsUrl: string
}

type Tf = typeof import('@tensorflow/tfjs')

async function loadTf(): Promise<Tf> {
  for (const name of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node', '@tensorflow/tfjs']) {
    try {
      return (await import(name)) as Tf
    } catch {
      // try the next flavour
    }
  }
  throw new RxtrainError('the demo needs TensorFlow.js: npm install @tensorflow/tfjs (or @tensorflow/tfjs-node)')
}

/**
 * The main job: trains a small regression model on generated data through every
 * metric operator, prints progress, and serves the metrics for Prometheus.
 *
 * @example
 * ```ts
 * import { runDemo } from 'rxtrain'
 * const summary = await runDemo({ epochs: 2, port: 0 })
 * console.log(summary.finalLoss)
 * ```
 * @param options sizes, port and output
 * @returns a summary of the run
 */
export async function runDemo(options: DemoOptions = {}): Promise<DemoSummary> {
  const { samples = 4096, batchSize = 32, epochs = 5, lingerSecs = 0 } = options
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`))
  const tf = await loadTf()
  const features = 16
  const { x, y } = tf.tidy(() => {
    const x = tf.randomNormal([samples, features], 0, 1, 'float32', 42)
    const w = tf.linspace(-1, 1, features).reshape([features, 1])
    const y = x.matMul(w).add(x.slice([0, 0], [samples, 1]).square().mul(0.5))
    return { x, y }
  })
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ units: 32, activation: 'relu', inputShape: [features] }),
      tf.layers.dense({ units: 1 }),
    ],
  })
  model.compile({ optimizer: tf.train.adam(0.01), loss: 'meanSquaredError', metrics: ['mae'] })
  // Multiply-adds of the forward pass, times 2 FLOPs each, times 3 for forward + backward.
  const flopsPerBatch = 3 * 2 * batchSize * (features * 32 + 32)

  const client = prometheusClient({ prefix: 'rxtrain_', port: options.port ?? 9464 })
  let metricsUrl: string
  try {
    metricsUrl = await client.url()
  } catch (err) {
    if (options.port !== undefined) throw err
    await client.close()
    return runDemo({ ...options, port: 0 })
  }
  const uninstall = installExitHook({ client, serverType: 'demo', index: 0 })
  const totalSteps = epochs * Math.ceil(samples / batchSize)
  const startedMs = Date.now()
  print(`rxtrain demo: ${samples} examples, batch ${batchSize}, ${epochs} epochs (${totalSteps} steps) on tfjs ${tf.getBackend()}`)
  print(`metrics for Prometheus: ${metricsUrl}`)

  let firstLoss = NaN
  let finalLoss = NaN
  let steps = 0
  let stepsPerSec = 0
  const every = Math.max(1, Math.floor(totalSteps / 10))
  const steps$ = fromFit(model, x, y, { batchSize, epochs, shuffle: true }).pipe(share())
  const metrics$ = steps$.pipe(
    mergeMetrics(
      stepLoss(),
      customMetrics(['mae']),
      throughputEvery(1, { modelName: 'demo', startTimeSecs: startedMs / 1000 }),
      throughput({ windowSize: 20, flopsPerBatch }),
    ),
    emitMetrics(client),
    tap((m) => {
      if (m.name === 'throughput.batches_per_sec') stepsPerSec = m.value
    }),
  )
  const progress$ = steps$.pipe(
    tap((s) => {
      if (steps === 0) firstLoss = s.loss
      steps = s.step
      finalLoss = s.loss
      if (s.step % every === 0 || s.step === totalSteps) {
        print(
          `step ${String(s.step).padStart(String(totalSteps).length)}/${totalSteps}  epoch ${s.epoch + 1}/${epochs}  ` +
            `loss ${s.loss.toFixed(4)}  mae ${(s.metrics.mae ?? NaN).toFixed(4)}  ${stepsPerSec.toFixed(0)} steps/s`,
        )
      }
    }),
  )
  try {
    await lastValueFrom(merge(metrics$, progress$).pipe(ignoreElements()), { defaultValue: undefined })
    const seconds = (Date.now() - startedMs) / 1000
    print(`done: ${steps} steps in ${seconds.toFixed(1)} s, loss ${firstLoss.toFixed(4)} -> ${finalLoss.toFixed(4)}`)
    if (lingerSecs > 0) {
      print(`serving ${metricsUrl} for ${lingerSecs} s more`)
      await new Promise((resolve) => setTimeout(resolve, lingerSecs * 1000))
    }
    return { steps, firstLoss, finalLoss, seconds, metricsUrl }
  } finally {
    uninstall()
    await client.close()
    tf.dispose([x, y])
    model.dispose()
  }
}
