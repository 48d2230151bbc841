// Run with: npx tsx examples/custom-metric.ts
// The code of custom-metric.ipynb as a script: a metric operator of your own, built with
// metricOperator (an EMA of the loss), run beside stepLoss in mergeMetrics.
import * as tf from '@tensorflow/tfjs'
import { lastValueFrom, toArray } from 'rxjs'
import { emitMetrics, fromLoop, memoryClient, mergeMetrics, metricOperator, stepLoss } from '../index.js'

/** Store `loss_ema`: `alpha * loss + (1 - alpha) * previous`, the first step's loss to start. */
const lossEma = (alpha = 0.1) =>
  metricOperator((emit) => {
    let ema: number | undefined
    const tags = { alpha: String(alpha) }
    return (s) => {
      ema = ema === undefined ? s.loss : alpha * s.loss + (1 - alpha) * ema
      emit('store', 'loss_ema', ema, tags, s)
    }
  })

// A noisy run to smooth: a custom loop fitting y = 3x + noise with SGD, one minibatch of 8 per
// step. step(i) returns the loss as a tensor; the source reads and disposes it.
const STEPS = 200
const w = tf.variable(tf.scalar(0))
const optimizer = tf.train.sgd(0.05)
const xs = tf.randomNormal([STEPS, 8], 0, 1, 'float32', 7)
const ys = xs.mul(3).add(tf.randomNormal([STEPS, 8], 0, 0.5, 'float32', 8))
const run$ = fromLoop({
  steps: STEPS,
  batchSize: 8,
  step: (i) => ({ loss: optimizer.minimize(() => w.mul(xs.slice([i, 0], [1, 8])).sub(ys.slice([i, 0], [1, 8])).square().mean().asScalar(), true)! }),
})

// mergeMetrics runs stepLoss() and lossEma(0.1) over each step once, in that order; emitMetrics
// sends them to a memoryClient and passes them on, so toArray() has them all.
const client = memoryClient()
const metrics = await lastValueFrom(run$.pipe(mergeMetrics(stepLoss(), lossEma(0.1)), emitMetrics(client), toArray()))
const [loss, ema] = [client.values('step_loss'), client.values('loss_ema')]
console.log(`${metrics.length} metrics over ${loss.length} steps; w = ${w.dataSync()[0]!.toFixed(3)}`)
console.log(metrics.slice(0, 2))
console.table([0, 1, 2, 5, 10, 25, 50, 100, 150, STEPS - 1].map((i) => ({ step: i + 1, step_loss: loss[i]!, loss_ema: ema[i]! })))

// A step_loss then a loss_ema for every step, each EMA value equal to the average recomputed
// from the losses, a smoother curve than the loss, and a fit that found w = 3.
if (metrics.length !== 2 * STEPS || loss.length !== STEPS || ema.length !== STEPS) throw new Error(`expected ${STEPS} of each metric, got ${metrics.length} in all`)
metrics.forEach((m, k) => {
  const want = { name: k % 2 === 0 ? 'step_loss' : 'loss_ema', step: Math.floor(k / 2) + 1 }
  if (m.name !== want.name || m.step !== want.step) throw new Error(`metric ${k}: expected ${want.name} of step ${want.step}, got ${m.name} of step ${m.step}`)
})
if (metrics[1]!.kind !== 'store' || metrics[1]!.tags?.alpha !== '0.1') throw new Error('loss_ema should be a store tagged alpha=0.1')
let expected = loss[0]!
loss.forEach((l, i) => {
  if (i > 0) expected = 0.1 * l + 0.9 * expected
  if (Math.abs(ema[i]! - expected) > 1e-12) throw new Error(`step ${i + 1}: loss_ema ${ema[i]}, expected ${expected}`)
})
const variation = (v: number[]) => v.slice(1).reduce((sum, x, i) => sum + Math.abs(x - v[i]!), 0)
console.log(`total variation: step_loss ${variation(loss).toFixed(2)}, loss_ema ${variation(ema).toFixed(2)}`)
if (!(variation(ema) < variation(loss) / 2)) throw new Error('the EMA should be smoother than the loss')
if (Math.abs(w.dataSync()[0]! - 3) > 0.2) throw new Error(`w should approach 3, is ${w.dataSync()[0]}`)

// State lives in setup's closure, made fresh on each subscribe: the same operator gives the same
// values every run. With alpha = 0.5 and losses 4, 0, 2 the average is 4, 2, 2.
const halfEma = lossEma(0.5)
const once = () => lastValueFrom(fromLoop({ steps: 3, step: (i) => ({ loss: [4, 0, 2][i]! }) }).pipe(halfEma, toArray()))
const [first, second] = [(await once()).map((m) => m.value), (await once()).map((m) => m.value)]
console.log('first run:', first, 'second run:', second)
if (first.join() !== '4,2,2' || second.join() !== '4,2,2') throw new Error(`expected 4,2,2 both times, got ${first} and ${second}`)

// A handler that throws errors the stream, and fromLoop stops before its next step. A guard
// that emits nothing and throws on a loss that is not finite:
const finiteLoss = () =>
  metricOperator(() => (s) => {
    if (!Number.isFinite(s.loss)) throw new Error(`step ${s.step}: the loss is ${s.loss}`)
  })
let ran = 0
const guarded$ = fromLoop({
  steps: 10,
  step: (i) => {
    ran += 1
    return { loss: i === 2 ? NaN : 1 / (i + 1) }
  },
}).pipe(mergeMetrics(stepLoss(), finiteLoss()), toArray())
const error = await lastValueFrom(guarded$).then(
  () => undefined,
  (err: unknown) => err,
)
console.log(`after ${ran} steps:`, String(error))
if (!(error instanceof Error) || error.message !== 'step 3: the loss is NaN') throw new Error(`expected the guard's error, got ${String(error)}`)
if (ran !== 3) throw new Error(`the loop should stop after step 3, ran ${ran} steps`)

tf.dispose([w, xs, ys])
