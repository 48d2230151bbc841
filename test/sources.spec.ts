import * as tf from '@tensorflow/tfjs'
import { expect } from 'chai'
import { firstValueFrom, lastValueFrom, take, tap, toArray } from 'rxjs'
import { fitCallbacks, fromFit, fromFitDataset, fromLoop, MetricTensorError, ConfigError, type LoopOptions } from '../index.js'
import { spin } from './support/spin.js'

function makeModel(): tf.Sequential {
  const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [4] })] })
  model.compile({ optimizer: tf.train.sgd(0.01), loss: 'meanSquaredError', metrics: ['mse'] })
  return model
}

function makeData(n = 64): { x: tf.Tensor; y: tf.Tensor } {
  return tf.tidy(() => {
    const x = tf.randomNormal([n, 4], 0, 1, 'float32', 7)
    const y = x.sum(1, true)
    return { x, y }
  })
}

describe('sources on real TensorFlow.js', () => {
  before(async () => {
    await tf.setBackend('cpu')
  })

  describe('fromFit', () => {
    it('gives steps 1..12 with finite losses for 64 samples, batchSize 16, 3 epochs', async () => {
      const model = makeModel()
      const { x, y } = makeData()
      const steps = await lastValueFrom(fromFit(model, x, y, { batchSize: 16, epochs: 3 }).pipe(toArray()))
      expect(steps.map((s) => s.step)).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])
      expect(steps.map((s) => s.epoch)).to.deep.equal([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2])
      expect(steps.map((s) => s.batch)).to.deep.equal([0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3])
      for (const s of steps) {
        expect(Number.isFinite(s.loss), `loss at step ${s.step}`).to.equal(true)
        expect(s.batchSize).to.equal(16)
        expect(s.metrics).to.have.keys('mse')
        expect(Number.isFinite(s.metrics.mse!)).to.equal(true)
        expect(s.records).to.deep.equal([])
      }
      expect(steps[11]!.timeMs).to.be.at.least(steps[0]!.timeMs)
      tf.dispose([x, y])
      model.dispose()
    })

    it('still runs the user callbacks, plain objects and tf.Callback instances alike', async () => {
      const model = makeModel()
      const { x, y } = makeData()
      const plain: number[] = []
      const steps1 = await lastValueFrom(
        fromFit(model, x, y, { batchSize: 16, epochs: 1, callbacks: { onBatchEnd: async (b) => void plain.push(b) } }).pipe(toArray()),
      )
      expect(plain).to.deep.equal([0, 1, 2, 3])
      expect(steps1).to.have.length(4)

      class Counting extends tf.Callback {
        batches = 0
        override async onBatchEnd() {
          this.batches++
        }
      }
      const counting = new Counting()
      const steps2 = await lastValueFrom(fromFit(model, x, y, { batchSize: 16, epochs: 2, callbacks: [counting] }).pipe(toArray()))
      expect(counting.batches).to.equal(8)
      expect(steps2.map((s) => s.step)).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8])
      for (const s of steps2) expect(Number.isFinite(s.loss)).to.equal(true)
      tf.dispose([x, y])
      model.dispose()
    })

    it('stops training when unsubscribed mid-run', async () => {
      const model = makeModel()
      const { x, y } = makeData()
      let batchesRun = 0
      let trainEnded!: () => void
      const ended = new Promise<void>((resolve) => (trainEnded = resolve))
      const callbacks = { onBatchEnd: async () => void batchesRun++, onTrainEnd: async () => trainEnded() }
      const steps = await lastValueFrom(fromFit(model, x, y, { batchSize: 4, epochs: 50, callbacks }).pipe(take(3), toArray()))
      await ended
      expect(steps.map((s) => s.step)).to.deep.equal([1, 2, 3])
      // 50 epochs of 16 batches would be 800; it stops after the batch it was unsubscribed in.
      expect(batchesRun).to.be.at.most(4)
      tf.dispose([x, y])
      model.dispose()
    })

    it('errors when fit fails', async () => {
      const model = makeModel()
      const x = tf.ones([8, 3]) // wrong input width
      const y = tf.ones([8, 1])
      let error: unknown
      await lastValueFrom(fromFit(model, x, y, { batchSize: 4 })).catch((err) => (error = err))
      expect(String(error)).to.match(/input expected a batch of elements where each example has shape \[4\]/)
      tf.dispose([x, y])
      model.dispose()
    })

    it('leaks no tensors: a second identical run leaves tf.memory().numTensors where the first did', async () => {
      const model = makeModel()
      const { x, y } = makeData()
      const run = () => lastValueFrom(fromFit(model, x, y, { batchSize: 16, epochs: 3 }).pipe(toArray()))
      await run()
      const after1 = tf.memory().numTensors
      await run()
      expect(tf.memory().numTensors).to.equal(after1)
      tf.dispose([x, y])
      model.dispose()
    })

    it('is cold: each subscription is its own fit', async () => {
      const model = makeModel()
      const { x, y } = makeData(16)
      const steps$ = fromFit(model, x, y, { batchSize: 8, epochs: 1 })
      const a = await lastValueFrom(steps$.pipe(toArray()))
      const b = await lastValueFrom(steps$.pipe(toArray()))
      expect(a.map((s) => s.step)).to.deep.equal([1, 2])
      expect(b.map((s) => s.step)).to.deep.equal([1, 2])
      tf.dispose([x, y])
      model.dispose()
    })

    it('attaches per-example records chosen by the records option', async () => {
      const model = makeModel()
      const { x, y } = makeData(16)
      const steps = await lastValueFrom(
        fromFit(model, x, y, { batchSize: 8, epochs: 1 }, { records: ({ step }) => [`{"step":${step}}`] }).pipe(toArray()),
      )
      expect(steps.map((s) => s.records)).to.deep.equal([['{"step":1}'], ['{"step":2}']])
      tf.dispose([x, y])
      model.dispose()
    })
  })

  describe('fromFitDataset', () => {
    it('gives one step per dataset batch across epochs', async () => {
      const model = makeModel()
      const { x, y } = makeData(32)
      const ds = tf.data.zip({ xs: tf.data.array(x.arraySync() as number[][]), ys: tf.data.array(y.arraySync() as number[][]) }).batch(8)
      const steps = await lastValueFrom(fromFitDataset(model, ds, { epochs: 2 }).pipe(toArray()))
      expect(steps.map((s) => s.step)).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8])
      expect(steps.map((s) => s.epoch)).to.deep.equal([0, 0, 0, 0, 1, 1, 1, 1])
      expect(steps.every((s) => Number.isFinite(s.loss) && s.batchSize === 8)).to.equal(true)
      tf.dispose([x, y])
      model.dispose()
    })
  })

  describe('fitCallbacks', () => {
    it('streams the steps of a fit the user calls, and completes at its end', async () => {
      const model = makeModel()
      const { x, y } = makeData(32)
      const { callbacks, steps$ } = fitCallbacks()
      const collected = lastValueFrom(steps$.pipe(toArray()))
      await model.fit(x, y, { batchSize: 8, epochs: 2, callbacks })
      const steps = await collected
      expect(steps.map((s) => s.step)).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8])
      tf.dispose([x, y])
      model.dispose()
    })
  })

  describe('fromLoop', () => {
    it('runs a custom optimizer loop, reading and disposing the tensors it returns', async () => {
      const w = tf.variable(tf.scalar(0))
      const optimizer = tf.train.sgd(0.1)
      const before = tf.memory().numTensors
      const steps = await lastValueFrom(
        fromLoop({
          steps: 20,
          batchSize: 1,
          stepsPerEpoch: 10,
          step: () => {
            const loss = optimizer.minimize(() => w.sub(3).square() as tf.Scalar, true)!
            return { loss, metrics: { w: w.clone(), count: tf.scalar(1, 'int32') }, records: ['a', 'b'] }
          },
        }).pipe(toArray()),
      )
      expect(steps.map((s) => s.step)).to.deep.equal(Array.from({ length: 20 }, (_, i) => i + 1))
      expect(steps[19]!.epoch).to.equal(1)
      expect(steps[19]!.batch).to.equal(9)
      expect(steps[19]!.loss).to.be.lessThan(steps[0]!.loss)
      expect(steps[19]!.metrics.w).to.be.closeTo(3, 0.1)
      expect(steps[19]!.metrics.count).to.equal(1)
      expect(steps[0]!.records).to.deep.equal(['a', 'b'])
      // the optimizer's own slots may stay; nothing per step does
      expect(tf.memory().numTensors - before).to.be.lessThan(5)
      w.dispose()
      optimizer.dispose()
    })

    it('errors naming the metric, its shape and its dtype when a metric is not a rank-0 float32/int32 tensor', async () => {
      const vector = tf.tensor1d([1, 2])
      const err1 = await firstValueFrom(fromLoop({ steps: 1, step: () => ({ loss: 1, metrics: { acc: tf.tensor1d([1, 2]) } }) })).catch((e) => e)
      expect(err1).to.be.instanceOf(MetricTensorError)
      expect(err1.message).to.equal("metric 'acc' must be a rank-0 float32 or int32 tensor, got shape [2] and dtype float32")
      const err2 = await firstValueFrom(fromLoop({ steps: 1, step: () => ({ loss: tf.scalar(true, 'bool') }) })).catch((e) => e)
      expect(err2.message).to.equal("metric 'loss' must be a rank-0 float32 or int32 tensor, got shape [] and dtype bool")
      const err3 = await firstValueFrom(fromLoop({ steps: 1, step: () => ({ loss: 1, metrics: { auc: 'high' } }) })).catch((e) => e)
      expect(err3.message).to.equal("metric 'auc' must be a number or a rank-0 float32/int32 tensor, got a value of type string")
      vector.dispose()
    })

    it('stops calling step() once unsubscribed', async () => {
      let calls = 0
      const steps = await lastValueFrom(
        fromLoop({ steps: Infinity, step: () => ({ loss: ++calls }) }).pipe(take(5), toArray()),
      )
      await new Promise((r) => setTimeout(r, 20))
      expect(steps.map((s) => s.loss)).to.deep.equal([1, 2, 3, 4, 5])
      expect(calls).to.equal(5)
    })

    it('rejects bad options at creation and a bad step result with a clear error', async () => {
      expect(() => fromLoop({ steps: -1, step: () => ({ loss: 0 }) })).to.throw(ConfigError, /steps must be a number >= 0/)
      const err = await firstValueFrom(fromLoop({ steps: 1, step: () => undefined as never })).catch((e) => e)
      expect(err.message).to.equal('fromLoop: step(0) must return { loss, metrics?, records? }, got undefined')
      expect(() => fromLoop({ steps: 1, step: () => ({ loss: 0 }), yieldEvery: -1 })).to.throw(ConfigError, "fromLoop: yieldEvery must be 'auto', 'step', 'never' or a number of ms >= 0, got -1")
    })

    /** Runs `steps` synchronous steps of `ms` each; returns how many had run when a setImmediate queued at the start ran. */
    async function stepsBeforeLoopTurns(steps: number, ms: number, yieldEvery?: LoopOptions['yieldEvery']): Promise<number> {
      let seen = 0
      let whenTurned = -1
      setImmediate(() => (whenTurned = seen))
      const busy = () => {
        spin(ms)
        return { loss: 0 }
      }
      await lastValueFrom(fromLoop({ steps, step: busy, yieldEvery }).pipe(tap(() => seen++)))
      if (whenTurned === -1) await new Promise((r) => setImmediate(r))
      return whenTurned
    }

    it("lets the event loop run while its steps are synchronous: at most every 125 ms by default ('auto'), after every step with 'step'", async () => {
      // 100 steps of 3 ms: 'auto' turns the loop after about 42 of them.
      expect(await stepsBeforeLoopTurns(100, 3)).to.be.within(1, 99)
      expect(await stepsBeforeLoopTurns(10, 0, 'step')).to.equal(1)
      expect(await stepsBeforeLoopTurns(10, 0, 0)).to.equal(1)
    })

    it("with yieldEvery 'never', leaves the event loop alone until the loop ends", async () => {
      expect(await stepsBeforeLoopTurns(50, 3, 'never')).to.equal(50)
    })
  })
})
