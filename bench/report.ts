/** One benchmark figure beside its baseline, printed as a ratio. */
export interface Row {
  name: string
  figure: number
  unit: string
  baselineName?: string
  baseline?: number
  /** Target on the ratio (figure / baseline) or on the figure itself. */
  target?: { on: 'ratio' | 'figure'; op: '<=' | '>='; value: number }
}

const fmt = (n: number) =>
  n >= 1e6 || (n > 0 && n < 1e-2) ? n.toExponential(2) : n >= 100 ? n.toFixed(0) : n.toFixed(2)

/** Prints rows as an aligned table: figure, baseline, ratio, target and whether it was met. */
export function printRows(title: string, rows: Row[]): void {
  const lines = [[title, 'figure', 'baseline', 'ratio', 'target', '']]
  for (const r of rows) {
    const ratio = r.baseline !== undefined ? r.figure / r.baseline : undefined
    let target = ''
    let verdict = ''
    if (r.target) {
      const x = r.target.on === 'ratio' ? ratio : r.figure
      target = `${r.target.on} ${r.target.op} ${fmt(r.target.value)}`
      if (x !== undefined) verdict = (r.target.op === '<=' ? x <= r.target.value : x >= r.target.value) ? 'met' : 'MISSED'
    }
    lines.push([
      r.name,
      `${fmt(r.figure)} ${r.unit}`,
      r.baseline !== undefined ? `${r.baselineName}: ${fmt(r.baseline)} ${r.unit}` : '',
      ratio !== undefined ? `${ratio.toFixed(3)}x` : '',
      target,
      verdict,
    ])
  }
  const widths = lines[0]!.map((_, i) => Math.max(...lines.map((l) => l[i]!.length)))
  for (const l of lines) console.log(l.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd())
  console.log()
}
