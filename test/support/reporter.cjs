// The spec reporter, plus one closing line CI can read: "tests: N passed, N failed, N skipped".
const Mocha = require('mocha')
const { Spec } = Mocha.reporters
class Reporter extends Spec {
  constructor(runner, options) {
    super(runner, options)
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      const s = runner.stats
      process.stdout.write(`\ntests: ${s.passes} passed, ${s.failures} failed, ${s.pending} skipped\n`)
    })
  }
}
module.exports = Reporter
