// Mocha reporter for the unit suite: mocha's usual spec output, then one `N passed, N failed` line
// (the shape every suite in .ci/run ends with). When HARNESS_COUNTS_FILE is set it also appends
// `<suite> <passed> <failed>` there so .ci/run can print the combined total; the suite's name is
// the reporter option `suite` (default `unit`).
'use strict';
const { appendFileSync } = require('node:fs');
const Mocha = require('mocha');

const { EVENT_RUN_END } = Mocha.Runner.constants;

class CountsReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    const suite = (options && options.reporterOptions && options.reporterOptions.suite) || 'unit';
    runner.once(EVENT_RUN_END, () => {
      const { passes, failures } = runner.stats;
      // Runs after Spec's own end-of-run summary (listeners fire in registration order).
      console.log(`${passes} passed, ${failures} failed`);
      const file = process.env.HARNESS_COUNTS_FILE;
      if (file) appendFileSync(file, `${suite} ${passes} ${failures}\n`);
    });
  }
}

module.exports = CountsReporter;
