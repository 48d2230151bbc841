import { Observable, type MonoTypeOperatorFunction, type SchedulerLike } from 'rxjs'
import type { Logger } from '../log.js'
import { joinSinkRegistry } from '../sinks/registry.js'
import type { TrainingStep } from '../step.js'
import { ACTIVE, WARMUP, type WindowPlan } from './plan.js'

/** Why a window closed: its last step ran, or the stream ended first. */
export type CloseReason = 'end' | 'complete' | 'error' | 'unsubscribe' | 'exit'

/** What a profiling operator does at each window's edges; one per subscription. */
export interface WindowRecorder {
  /** The schedule's warmup began: set the profiler up without recording. */
  prepare?(): void
  /** Window `window` opens before step `index` runs. A throw errors the stream. */
  open(window: number, index: number): void
  /** Step `index` of the open window ended. */
  step?(step: TrainingStep, index: number): void
  /** The open window closes after step `endIndex - 1`; what it returns is awaited before the stream ends. */
  close(endIndex: number, reason: CloseReason): Promise<void> | void
  /** The subscription is over: release whatever `prepare` took. */
  dispose?(): void
}

/**
 * The pass-through operator behind profileWindow and nvProfileWindow: steps flow on
 * unchanged while `plan` says when windows open and close and `recorder` acts on it.
 * Transitions happen after a step has been passed on, so a window holds the whole
 * work of its steps (downstream too). Closing work (a dump) runs in the background,
 * never holding a step; on complete and error it is awaited before the stream ends,
 * and the exit hook (through the sink registry) closes an open window and waits too.
 */
export function windowOperator(
  name: string,
  makePlan: (nowMs: number) => WindowPlan,
  makeRecorder: () => WindowRecorder,
  scheduler: SchedulerLike,
  logger: Logger,
): MonoTypeOperatorFunction<TrainingStep> {
  return (source) =>
    new Observable<TrainingStep>((subscriber) => {
      let recorder: WindowRecorder
      let plan: WindowPlan
      try {
        recorder = makeRecorder()
        plan = makePlan(scheduler.now())
      } catch (err) {
        subscriber.error(err)
        return
      }
      const usesClock = plan.usesClock
      const pending = new Set<Promise<void>>()
      let index = 0
      let openWindow = -1
      let isOpen = false

      const fail = (err: unknown) => {
        if (!subscriber.closed) subscriber.error(err)
        else logger.error(`${name}: ${err instanceof Error ? err.message : String(err)}`)
      }
      const close = (reason: CloseReason) => {
        isOpen = false
        let done: Promise<void> | void
        try {
          done = recorder.close(index, reason)
        } catch (err) {
          fail(err)
          return
        }
        if (done === undefined) return
        const tracked: Promise<void> = done.catch(fail).finally(() => pending.delete(tracked))
        pending.add(tracked)
      }
      const transition = () => {
        if (isOpen && (plan.state !== ACTIVE || plan.window !== openWindow)) close('end')
        if (plan.state === WARMUP) recorder.prepare?.()
        else if (plan.state === ACTIVE && !isOpen) {
          recorder.open(plan.window, index)
          isOpen = true
          openWindow = plan.window
        }
      }
      const settled = () => Promise.all([...pending]).then(() => undefined)
      const leave = joinSinkRegistry({
        name,
        drain: () => {
          if (isOpen) close('exit')
          return settled()
        },
      })
      const finish = (reason: CloseReason, end: () => void) => {
        if (isOpen) close(reason)
        if (pending.size === 0) end()
        else void settled().then(end)
      }

      try {
        if (plan.advance(0, usesClock ? scheduler.now() : 0)) transition()
      } catch (err) {
        subscriber.error(err)
      }
      const subscription = source.subscribe({
        next(step) {
          if (subscriber.closed) return
          try {
            if (isOpen) recorder.step?.(step, index)
          } catch (err) {
            subscriber.error(err)
            return
          }
          index++
          subscriber.next(step)
          // Downstream may have unsubscribed (take, first): the teardown closed the window.
          if (subscriber.closed) return
          try {
            if (plan.advance(index, usesClock ? scheduler.now() : 0)) transition()
          } catch (err) {
            subscriber.error(err)
          }
        },
        error: (err) => finish('error', () => subscriber.error(err)),
        complete: () => finish('complete', () => subscriber.complete()),
      })
      return () => {
        subscription.unsubscribe()
        if (isOpen) close('unsubscribe')
        recorder.dispose?.()
        if (pending.size === 0) leave()
        else void settled().then(leave)
      }
    })
}
