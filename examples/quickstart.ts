// Run with: npx tsx examples/quickstart.ts
import * as tf from '@tensorflow/tfjs'
import { lastValueFrom } from 'rxjs'
import { customMetrics, emitMetrics, fromFit, memoryClient, mergeMetrics, stepLoss, throughputEvery } from '../index.js'

const model = tf.sequential({ layers: [tf.layers.dense({ units: 8, activation: 'relu', inputShape: [4] }), tf.layers.dense({ units: 1 })] })
model.compile({ optimizer: tf.train.adam(0.02), loss: 'meanSquaredError', metrics: ['mae'] })
const xs = tf.randomNormal([512, 4])
const ys = xs.sum(1, true)

const client = memoryClient()
await lastValueFrom(
  fromFit(model, xs, ys, { batchSize: 32, epochs: 4 }).pipe(
    mergeMetrics(stepLoss(), customMetrics(['mae']), throughputEvery(0.05, { modelName: 'quickstart' })),
    emitMetrics(client),
  ),
)
const losses = client.values('step_loss')
console.log(`${losses.length} steps, loss ${losses[0]!.toFixed(3)} -> ${losses.at(-1)!.toFixed(3)}`)
console.log('throughput reports:', client.values('run_steps.all').length)
