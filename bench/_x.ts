import { map, Observable, Subscriber, type OperatorFunction } from 'rxjs'
import type { Metric, TrainingStep } from '../index.js'
const N = 1_000_000
function src(n: number) { return new Observable<TrainingStep>((sub) => { for (let i = 1; i <= n; i++) sub.next({ step: i, timeMs: i, epoch: 0, batch: i, batchSize: 32, loss: 1 / i, metrics: { acc: 0.5, mae: 0.1 }, records: [] }); sub.complete() }) }
type H = (s: TrainingStep, emit: (m: Metric) => void) => void
const handlers = (): H[] => [
  (s, emit) => emit({ kind: 'store', name: 'step_loss', value: s.loss, tags: undefined, step: s.step, timeMs: s.timeMs }),
  (s, emit) => emit({ kind: 'store', name: 'acc', value: s.metrics.acc!, tags: undefined, step: s.step, timeMs: s.timeMs }),
  (s, emit) => emit({ kind: 'store', name: 'mae', value: s.metrics.mae!, tags: undefined, step: s.step, timeMs: s.timeMs }),
]
// A: observer objects (current)
const opA = (): OperatorFunction<TrainingStep, Metric> => (source) => new Observable<Metric>((subscriber) => {
  const hs = handlers(); const emit = (m: Metric) => subscriber.next(m)
  return source.subscribe({ next(s) { if (subscriber.closed) return; for (let i = 0; i < hs.length; i++) hs[i]!(s, emit) }, error: (e) => subscriber.error(e), complete: () => subscriber.complete() })
})
const emitA = (): OperatorFunction<Metric, Metric> => (source) => new Observable<Metric>((subscriber) => source.subscribe({ next(m) { if (subscriber.closed) return; cnt++; subscriber.next(m) }, error: (e) => subscriber.error(e), complete: () => subscriber.complete() }))
// B: Subscriber subclass
class StepSub extends Subscriber<TrainingStep> {
  constructor(private readonly out: Subscriber<Metric>, private readonly hs: H[], private readonly emit: (m: Metric) => void) { super(out) }
  protected override _next(s: TrainingStep) { const hs = this.hs; for (let i = 0; i < hs.length; i++) hs[i]!(s, this.emit) }
}
const opB = (): OperatorFunction<TrainingStep, Metric> => (source) => new Observable<Metric>((subscriber) => {
  const emit = (m: Metric) => subscriber.next(m)
  source.subscribe(new StepSub(subscriber, handlers(), emit))
})
class EmitSub extends Subscriber<Metric> {
  constructor(private readonly out: Subscriber<Metric>) { super(out) }
  protected override _next(m: Metric) { cnt++; this.out.next(m) }
}
const emitB = (): OperatorFunction<Metric, Metric> => (source) => new Observable<Metric>((subscriber) => { source.subscribe(new EmitSub(subscriber)) })
const opC = (): OperatorFunction<TrainingStep, Metric> => (source) => new Observable<Metric>((subscriber) => {
  const hs = handlers(); const emit = (m: Metric) => { cnt++; subscriber.next(m) }
  return source.subscribe({ next(s) { if (subscriber.closed) return; for (let i = 0; i < hs.length; i++) hs[i]!(s, emit) }, error: (e) => subscriber.error(e), complete: () => subscriber.complete() })
})
let cnt = 0
const variants: Record<string, () => OperatorFunction<TrainingStep, unknown>> = {
  bare: () => map((s) => s.loss),
  A: () => (s) => s.pipe(opA(), emitA()),
  B: () => (s) => s.pipe(opB(), emitB()),
  C: () => opC(),
}
for (let r = 0; r < 4; r++) for (const [k, f] of Object.entries(variants)) { let c = 0; const t = process.hrtime.bigint(); src(N).pipe(f()).subscribe(() => c++); console.log(r, k, (Number(process.hrtime.bigint() - t) / N).toFixed(1)) }
