import { map, Observable, tap, type OperatorFunction } from 'rxjs'
import { customMetrics, emitMetrics, memoryClient, mergeMetrics, stepLoss, throughputEvery, type TrainingStep, type MetricsClient } from '../index.js'
const N = 1_000_000
function src(n: number) { return new Observable<TrainingStep>((sub) => { for (let i = 1; i <= n; i++) sub.next({ step: i, timeMs: i, epoch: 0, batch: i, batchSize: 32, loss: 1 / i, metrics: { acc: 0.5, mae: 0.1 }, records: [] }); sub.complete() }) }
const noop: MetricsClient = { emitCounter() {}, emitTimer() {}, emitStore() {}, flush: async () => {}, close: async () => {} }
const variants: Record<string, () => OperatorFunction<TrainingStep, unknown>> = {
  bare: () => map((s) => s.loss),
  stepLoss: () => stepLoss(),
  cm: () => customMetrics(['acc', 'mae']),
  cmSel: () => customMetrics({ acc: (s) => s.metrics.acc!, mae: (s) => s.metrics.mae! }),
  te: () => throughputEvery(30),
  m_sl_sl_sl: () => mergeMetrics(stepLoss(), stepLoss(), stepLoss()),
  merged3: () => mergeMetrics(stepLoss(), throughputEvery(30), customMetrics(['acc', 'mae'])),
  mergedNoopClient: () => (s) => s.pipe(mergeMetrics(stepLoss(), throughputEvery(30), customMetrics(['acc', 'mae'])), emitMetrics(noop)),
  mergedMem: () => (s) => s.pipe(mergeMetrics(stepLoss(), throughputEvery(30), customMetrics(['acc', 'mae'])), emitMetrics(memoryClient({ limit: 1024 }))),
}
for (let r = 0; r < 3; r++) for (const [k, f] of Object.entries(variants)) { let c = 0; const t = process.hrtime.bigint(); src(N).pipe(f()).subscribe(() => c++); console.log(r, k, (Number(process.hrtime.bigint() - t) / N).toFixed(1)) }
