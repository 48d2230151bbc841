import { Observable } from 'rxjs'
import { customMetrics, reportMetrics, memoryClient, stepLoss, throughputEvery, type TrainingStep } from '../index.js'
const N = 3_000_000
function src(n: number) { return new Observable<TrainingStep>((sub) => { for (let i = 1; i <= n; i++) sub.next({ step: i, timeMs: i, epoch: 0, batch: i, batchSize: 32, loss: 1 / i, metrics: { acc: 0.5, mae: 0.1 }, records: [] }); sub.complete() }) }
let c = 0
const t = process.hrtime.bigint()
src(N).pipe(reportMetrics(memoryClient({ limit: 1024 }), stepLoss(), throughputEvery(30), customMetrics(['acc', 'mae']))).subscribe(() => c++)
console.log((Number(process.hrtime.bigint() - t) / N).toFixed(1))
