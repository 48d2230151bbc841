/** Where the demo's progress goes: a live bar on a terminal, plain lines elsewhere. */
export interface Progress {
  /** Step `step` of `total` ended with `loss`, at `stepsPerSec`. */
  update(step: number, total: number, loss: number, stepsPerSec: number): void
  /** A line of its own (the bar is redrawn below it). */
  line(text: string): void
  /** Training ended: leave the bar's last state on screen. */
  done(): void
}

/** `1m 05s`, `12s`: an ETA at a glance. */
export function formatEta(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--'
  const s = Math.round(seconds)
  return s >= 60 ? `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s` : `${s}s`
}

/** The bar's text for a terminal `columns` wide: `[#####.....] 120/640 45.0 steps/s loss 0.1234 ETA 12s`. */
export function barLine(step: number, total: number, loss: number, stepsPerSec: number, columns: number): string {
  const eta = stepsPerSec > 0 ? formatEta((total - step) / stepsPerSec) : '--'
  const stats = ` ${String(step).padStart(String(total).length)}/${total}  ${stepsPerSec.toFixed(1)} steps/s  loss ${loss.toFixed(4)}  ETA ${eta}`
  const width = Math.max(10, Math.min(40, columns - stats.length - 3))
  const filled = total > 0 ? Math.min(width, Math.round((step / total) * width)) : 0
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]${stats}`
}

/**
 * A live bar when `stream` is a terminal (redrawn at most every 100 ms), else a plain
 * line every tenth of the run.
 */
export function progress(stream: NodeJS.WriteStream = process.stdout, now: () => number = Date.now): Progress {
  if (!stream.isTTY) {
    let nextStep = 0
    return {
      update(step, total, loss, stepsPerSec) {
        if (step < nextStep && step !== total) return
        nextStep = step + Math.max(1, Math.floor(total / 10))
        const eta = stepsPerSec > 0 ? formatEta((total - step) / stepsPerSec) : '--'
        stream.write(`step ${step}/${total}  ${stepsPerSec.toFixed(1)} steps/s  loss ${loss.toFixed(4)}  ETA ${eta}\n`)
      },
      line: (text) => void stream.write(`${text}\n`),
      done() {},
    }
  }
  let last = ''
  let drawnAt = -Infinity
  const draw = (text: string) => stream.write(`\r\x1b[2K${text}`)
  return {
    update(step, total, loss, stepsPerSec) {
      last = barLine(step, total, loss, stepsPerSec, stream.columns ?? 80)
      const t = now()
      if (t - drawnAt < 100 && step !== total) return
      drawnAt = t
      draw(last)
    },
    line(text) {
      draw(`${text}\n`)
      if (last) stream.write(last)
    },
    done() {
      if (last) draw(`${last}\n`)
      last = ''
    },
  }
}
