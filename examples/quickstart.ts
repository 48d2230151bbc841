// Run with: npx tsx examples/quickstart.ts
// The code of quickstart.ipynb as a script: a TensorFlow.js fit run piped through rxtrain's
// metric operators into a memoryClient, with the loss drawn as an SVG line chart (written to a
// file here; the notebook shows it inline).
import * as tf from '@tensorflow/tfjs'
import { writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { lastValueFrom, tap } from 'rxjs'
import { customMetrics, emitMetrics, fromFit, memoryClient, mergeMetrics, stepLoss, throughputEvery, type TrainingStep } from '../index.js'

// A tiny regression model: 512 examples of 4 features, learning their sum.
const model = tf.sequential({ layers: [tf.layers.dense({ units: 8, activation: 'relu', inputShape: [4] }), tf.layers.dense({ units: 1 })] })
model.compile({ optimizer: tf.train.adam(0.02), loss: 'meanSquaredError', metrics: ['mae'] })
const xs = tf.randomNormal([512, 4], 0, 1, 'float32', 42)
const ys = xs.sum(1, true)

// fromFit is cold: lastValueFrom subscribes, which starts training, and resolves when fit ends.
// mergeMetrics runs the operators over each step once; emitMetrics sends each metric to the client.
const client = memoryClient()
const steps: TrainingStep[] = []
await lastValueFrom(
  fromFit(model, xs, ys, { batchSize: 32, epochs: 4 }).pipe(
    tap((s) => steps.push(s)),
    mergeMetrics(stepLoss(), customMetrics(['mae']), throughputEvery(0.05, { modelName: 'quickstart' })),
    emitMetrics(client),
  ),
)
const losses = client.values('step_loss')
console.log(`${steps.length} steps in ${steps.at(-1)!.epoch + 1} epochs, loss ${losses[0]!.toFixed(3)} -> ${losses.at(-1)!.toFixed(3)}`)
console.log('last step:', steps.at(-1))

// 512 examples in batches of 32 for 4 epochs are 64 steps, each with one step_loss and one mae,
// and the loss falls.
const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length
if (steps.length !== 64 || !steps.every((s, i) => s.step === i + 1)) throw new Error(`expected steps 1..64, got ${steps.length}`)
if (losses.length !== 64 || client.values('mae').length !== 64) throw new Error('expected one step_loss and one mae per step')
const [firstEpoch, lastEpoch] = [mean(losses.slice(0, 16)), mean(losses.slice(-16))]
if (!(lastEpoch < firstEpoch / 2)) throw new Error(`the loss should fall: ${firstEpoch} in epoch 1, ${lastEpoch} in epoch 4`)
console.log(`mean loss: ${firstEpoch.toFixed(3)} in epoch 1, ${lastEpoch.toFixed(3)} in epoch 4`)

// throughputEvery(0.05) is step-driven: the first step sets the mark, and each later step at least
// 0.05 s past the mark reports run_steps.all and run_steps_elapsed_time.all, then becomes the mark.
const reports = client.values('run_steps.all')
const secsPerStep = client.values('run_steps_elapsed_time.all')
const spanSecs = (steps.at(-1)!.timeMs - steps[0]!.timeMs) / 1000
console.log(`${reports.length} throughput reports in ${spanSecs.toFixed(2)} s:`, reports.map((n, i) => `${n} steps at ${(secsPerStep[i]! * 1000).toFixed(1)} ms/step`))
if (secsPerStep.length !== reports.length) throw new Error('each report has a counter and a timer')
if (spanSecs >= 0.05 && reports.length === 0) throw new Error(`a run of ${spanSecs} s should report at least once`)
if (reports.reduce((a, b) => a + b, 0) > steps.length - 1) throw new Error('reports count more steps than ran')

/** An SVG line chart of `values` against their index, with the y range and the step count on the axes. */
function lineChart(values: number[], { title = '', width = 560, height = 220 } = {}): string {
  const pad = { left: 56, right: 16, top: 28, bottom: 32 }
  const [lo, hi] = [Math.min(...values), Math.max(...values)]
  const x = (i: number) => pad.left + (i / Math.max(1, values.length - 1)) * (width - pad.left - pad.right)
  const y = (v: number) => height - pad.bottom - ((v - lo) / (hi - lo || 1)) * (height - pad.top - pad.bottom)
  const points = values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ')
  const text = (tx: number, ty: number, s: string, anchor = 'start') =>
    `<text x="${tx}" y="${ty}" text-anchor="${anchor}">${s}</text>`
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<path d="M${pad.left},${pad.top} V${height - pad.bottom} H${width - pad.right}" fill="none" stroke="#888"/>`,
    `<polyline points="${points}" fill="none" stroke="steelblue" stroke-width="1.5"/>`,
    text(width / 2, 18, title, 'middle'),
    text(pad.left - 6, y(hi) + 4, hi.toPrecision(3), 'end'),
    text(pad.left - 6, y(lo) + 4, lo.toPrecision(3), 'end'),
    text(x(0), height - 12, 'step 1', 'middle'),
    text(x(values.length - 1), height - 12, `step ${values.length}`, 'middle'),
    '</svg>',
  ].join('\n')
}

const svg = lineChart(losses, { title: 'step_loss' })
if ((svg.match(/points="([^"]*)"/)?.[1] ?? '').split(' ').length !== losses.length) throw new Error('the chart should have a point per step')
const chartFile = join(tmpdir(), 'rxtrain-quickstart-loss.svg')
writeFileSync(chartFile, svg)
console.log('loss chart:', chartFile)

model.dispose()
tf.dispose([xs, ys])
