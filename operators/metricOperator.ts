import { Observable, Subscriber, type OperatorFunction } from 'rxjs'
import type { Metric, MetricKind, Tags, TrainingStep } from '../lib/step.js'

/**
 * Sends one metric, computed at `step`, downstream. Positional, so a stage that only
 * ships metrics to a client (`reportMetrics`) builds no event object.
 */
export type Emit = (kind: MetricKind, name: string, value: number, tags: Tags | undefined, step: TrainingStep) => void

/** Handles one step, calling its `emit` for each metric the step yields. May throw. */
export type StepHandler = (step: TrainingStep) => void

/** Makes a fresh handler (fresh state) for one subscription, given where its metrics go. */
export type StepHandlerSetup = (emit: Emit) => StepHandler

const SETUP = Symbol('rxtrain.metricOperator')
const FUSABLE = Symbol('rxtrain.fusable')

/** A metric operator built by {@link metricOperator}: an ordinary RxJS operator that also carries its step handler. */
export interface MetricOperator extends OperatorFunction<TrainingStep, Metric> {
  readonly [SETUP]: StepHandlerSetup
}

/** What a metric operator's output remembers, so the next stage can run in the same subscriber. */
interface Fusable {
  source: Observable<TrainingStep>
  setup: StepHandlerSetup
}

/**
 * Builds a metric operator from a step handler made fresh on each subscribe:
 * `setup(emit)` returns a function of the step that calls
 * `emit(kind, name, value, tags, step)` for each metric.
 * State lives in `setup`'s closure; a handler that throws errors the stream.
 * {@link mergeMetrics} and {@link emitMetrics} run such operators in one subscriber
 * (no subject, merge or extra hop per metric), which keeps the per-step cost low.
 *
 * @example
 * ```ts
 * import { fromLoop, metricOperator } from 'rxtrain'
 * const lossDelta = () =>
 *   metricOperator((emit) => {
 *     let last = NaN
 *     return (s) => {
 *       if (!Number.isNaN(last)) emit('store', 'loss_delta', s.loss - last, undefined, s)
 *       last = s.loss
 *     }
 *   })
 * fromLoop({ steps: 3, step: (i) => ({ loss: 1 / (i + 1) }) }).pipe(lossDelta()).subscribe(console.log)
 * ```
 * @param setup called on each subscribe with `emit`; returns the step handler
 * @returns the operator
 */
export function metricOperator(setup: StepHandlerSetup): MetricOperator {
  const operator = (source: Observable<TrainingStep>) => {
    const metrics = new Observable<Metric>((subscriber) => {
      const handle = setup((kind, name, value, tags, s) =>
        subscriber.next({ kind, name, value, tags, step: s.step, timeMs: s.timeMs }),
      )
      return source.subscribe(new StepSubscriber(subscriber, handle))
    })
    const fusable: Fusable = { source, setup }
    return Object.assign(metrics, { [FUSABLE]: fusable })
  }
  return Object.assign(operator, { [SETUP]: setup })
}

/** The handler setup of `operator` when it is a {@link MetricOperator}. */
export function stepHandlerOf(operator: OperatorFunction<TrainingStep, Metric>): StepHandlerSetup | undefined {
  return (operator as Partial<MetricOperator>)[SETUP]
}

/**
 * Adds a stage after a metric stream: when `metrics` came straight from a metric
 * operator, `wrap` joins that operator's subscriber (each metric goes through
 * `wrap`'s emit, then on); otherwise it is `fallback(metrics)`.
 */
export function fuseAfter(
  metrics: Observable<Metric>,
  wrap: (emit: Emit) => Emit,
  fallback: (metrics: Observable<Metric>) => Observable<Metric>,
): Observable<Metric> {
  const fusable = (metrics as Observable<Metric> & { [FUSABLE]?: Fusable })[FUSABLE]
  if (fusable === undefined) return fallback(metrics)
  return metricOperator((emit) => fusable.setup(wrap(emit)))(fusable.source)
}

/**
 * Subscribes a step handler to its source as a `Subscriber` of the downstream one (as
 * RxJS's own operators do), so each step reaches the handler without the safe-subscriber
 * wrapping a plain observer gets.
 */
class StepSubscriber extends Subscriber<TrainingStep> {
  constructor(
    private readonly downstream: Subscriber<Metric>,
    private readonly handle: StepHandler,
  ) {
    super(downstream)
  }

  protected override _next(step: TrainingStep): void {
    // A synchronous source keeps calling after an error or unsubscribe; do no more work.
    if (this.downstream.closed) return
    try {
      this.handle(step)
    } catch (err) {
      this.downstream.error(err)
    }
  }
}
