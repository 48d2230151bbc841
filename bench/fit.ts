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

const EPOCHS = 2
const PAIRS = 16

/** The fits measured: 128 steps each, a toy one (1-2 ms a step) and one closer to a real batch size. */
const SHAPES = [
  { samples: 8192, batch: 128, target: true },
  { samples: 2048, batch: 32, target: false },
]

function setup(samples: number) {
  const features = 16
  const x = tf.randomNormal([samples, features], 0, 1, 'float32', 1)
  const y = tf.tidy(() => x.sum(1, true))
  const model = tf.sequential({
    layers: [tf.layers.dense({ units: 64, activation: 'relu', inputShape: [features] }), tf.layers.dense({ units: 1 })],
  })
  model.compile({ optimizer: 'adam', loss: 'meanSquaredError', metrics: ['mae'] })
  return { x, y, model }
}

/**
 * Wall time of a real tfjs fit, bare and through the full operator set, alternating
 * runs in ABBA order; the best of each, as the figure least disturbed by whatever else
 * the machine does. rxtrain's cost is about the same per step whatever the model (it
 * reads the loss and metrics, then runs the operators), so the ratio depends on how
 * long a step takes: both shapes are printed, with the added microseconds per step.
 */
export async function benchFit(): Promise<Row[]> {
  await tf.setBackend('cpu')
  const rows: Row[] = []
  for (const shape of SHAPES) rows.push(...(await benchShape(shape.samples, shape.batch, shape.target)))
  return rows
}

async function benchShape(samples: number, batch: number, target: boolean): Promise<Row[]> {
  const { x, y, model } = setup(samples)
  const args = { batchSize: batch, epochs: EPOCHS, shuffle: false, verbose: 0 as const }
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
  const steps = EPOCHS * Math.ceil(samples / batch)
  const full = Math.min(...fullMs)
  const base = Math.min(...bareMs)
  return [
    {
      name: `tfjs fit, batch ${batch}, ${steps} steps, full operator set (best of ${PAIRS})`,
      figure: full,
      unit: 'ms',
      baselineName: 'bare model.fit',
      baseline: base,
      ...(target ? { target: { on: 'ratio' as const, op: '<=' as const, value: 1.02 } } : {}),
    },
    { name: `same, added per step (a bare step: ${((base * 1000) / steps).toFixed(0)} us)`, figure: ((full - base) * 1000) / steps, unit: 'us/step' },
  ]
}
