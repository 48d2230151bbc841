import * as tf from '@tensorflow/tfjs'
import { lastValueFrom } from 'rxjs'
import {
  customMetrics,
  emitMetrics,
  fromFit,
  memoryClient,
  mergeMetrics,
  stepLoss,
  throughput,
  throughputEvery,
} from '../index.js'
import type { Row } from './report.js'

const SAMPLES = 2048
const BATCH = 32
const EPOCHS = 2
const PAIRS = 10

function setup() {
  const features = 16
  const x = tf.randomNormal([SAMPLES, features], 0, 1, 'float32', 1)
  const y = tf.tidy(() => x.sum(1, true))
  const model = tf.sequential({
    layers: [tf.layers.dense({ units: 64, activation: 'relu', inputShape: [features] }), tf.layers.dense({ units: 1 })],
  })
  model.compile({ optimizer: 'adam', loss: 'meanSquaredError', metrics: ['mae'] })
  return { x, y, model }
}

/**
 * Wall time of a real tfjs fit, bare and through the full operator set, alternating
 * runs in ABBA order; the best of each, as the figure least disturbed by whatever else the machine does.
 */
export async function benchFit(): Promise<Row[]> {
  await tf.setBackend('cpu')
  const { x, y, model } = setup()
  const args = { batchSize: BATCH, epochs: EPOCHS, shuffle: false, verbose: 0 as const }
  const bare = async () => {
    const t0 = performance.now()
    await model.fit(x, y, args)
    return performance.now() - t0
  }
  const withRxtrain = async () => {
    const client = memoryClient({ limit: 1024 })
    const t0 = performance.now()
    await lastValueFrom(
      fromFit(model, x, y, args).pipe(
        mergeMetrics(stepLoss(), throughputEvery(1, { modelName: 'bench' }), customMetrics(['mae']), throughput({ windowSize: 20 })),
        emitMetrics(client),
      ),
    )
    return performance.now() - t0
  }
  await bare()
  await withRxtrain()
  const bareMs: number[] = []
  const fullMs: number[] = []
  // ABBA order: a run pays for the garbage the run before it left, so neither always goes first.
  for (let i = 0; i < PAIRS; i++) {
    if (i % 2 === 0) {
      bareMs.push(await bare())
      fullMs.push(await withRxtrain())
    } else {
      fullMs.push(await withRxtrain())
      bareMs.push(await bare())
    }
  }
  tf.dispose([x, y])
  model.dispose()
  const steps = EPOCHS * Math.ceil(SAMPLES / BATCH)
  return [
    {
      name: `tfjs fit, ${steps} steps, full operator set (best of ${PAIRS})`,
      figure: Math.min(...fullMs),
      unit: 'ms',
      baselineName: 'bare model.fit',
      baseline: Math.min(...bareMs),
      target: { on: 'ratio', op: '<=', value: 1.02 },
    },
  ]
}
