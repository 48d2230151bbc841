const N = 3_000_000
const names = ['acc', 'mae']
type S = { step: number; timeMs: number; metrics: Record<string, number> }
let sink = 0
const emit = (m: { value: number }) => { sink += m.value }
function loop(s: S) { const ms = s.metrics; for (let i = 0; i < names.length; i++) { const v = ms[names[i]!]; if (v === undefined) throw new Error('x'); emit({ kind: 'store', name: names[i]!, value: v, tags: undefined, step: s.step, timeMs: s.timeMs } as never) } }
const sels = names.map((name) => (s: S) => { const v = s.metrics[name]; if (v === undefined) throw new Error('x'); return v })
function closures(s: S) { for (let i = 0; i < names.length; i++) emit({ kind: 'store', name: names[i]!, value: +sels[i]!(s), tags: undefined, step: s.step, timeMs: s.timeMs } as never) }
const gen = names.map((name) => new Function('s', `const v = s.metrics[${JSON.stringify(name)}]; if (v === undefined) throw new Error('x'); return v`) as (s: S) => number)
function generated(s: S) { for (let i = 0; i < names.length; i++) emit({ kind: 'store', name: names[i]!, value: gen[i]!(s), tags: undefined, step: s.step, timeMs: s.timeMs } as never) }
for (let r = 0; r < 3; r++) for (const [k, f] of Object.entries({ loop, closures, generated })) {
  const t = process.hrtime.bigint()
  for (let i = 0; i < N; i++) f({ step: i, timeMs: i, metrics: { acc: 0.5, mae: 0.1 } })
  if (r === 2) console.log(k, (Number(process.hrtime.bigint() - t) / N).toFixed(1))
}
