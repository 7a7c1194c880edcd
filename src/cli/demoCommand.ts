// `npm start`: the main job on a machine with no Exchange. Starts the built-in lab in-process,
// probes a healthy Exchange 2016 and the Exchange 2007/2010-with-2003-back-end 401 case, and
// prints both reports with their diagnosis. Exits 0 when both behave as the lab says they must.
import { diagnose } from '../diagnosis/diagnose';
import { startLab } from '../lab/labEntry';
import { findScenario } from '../lab/scenarios';
import { runProbe } from '../probe/probe';
import type { CliIo } from './cliIo';
import { renderHumanReport } from './humanReport';
import { styleFor } from './terminalStyle';

const DEMO_SCENARIOS = ['exchange2016-healthy', 'coexistence-2003-basic-only'];

export async function demoCommand(io: CliIo): Promise<number> {
  const style = styleFor(io.stdout, io.env);
  io.stdout.write(style.bold('ActiveSync Doctor: a tour on the built-in lab (no Exchange needed)\n\n'));
  const lab = await startLab({ scenarios: DEMO_SCENARIOS });
  let asExpected = true;
  try {
    for (const [i, id] of DEMO_SCENARIOS.entries()) {
      const scenario = findScenario(id);
      if (!scenario) throw new Error(`lab scenario ${id} is missing`);
      io.stdout.write(style.dim(`${i + 1}/${DEMO_SCENARIOS.length}  ${scenario.title}\n    ${scenario.description}\n\n`));
      const run = await runProbe({
        target: lab.urlFor(id),
        userName: scenario.credentials.userName,
        password: scenario.credentials.password,
        extraCaPem: lab.caPem,
        labScenario: id,
      });
      io.stdout.write(renderHumanReport(run, diagnose(run), { style, width: Math.min(io.stdout.columns ?? 100, 110), verbose: false }));
      io.stdout.write('\n');
      if (run.outcome !== scenario.expected.outcome) {
        asExpected = false;
        io.stderr.write(`The ${id} scenario ended ${run.outcome}, but the lab expects ${scenario.expected.outcome}.\n`);
      }
    }
  } finally {
    await lab.close();
  }
  io.stdout.write(style.dim('Next: `npx activesync-doctor probe mail.yourdomain.com --user you@yourdomain.com`, `activesync-doctor lab` for all scenarios, or install the VS Code extension.\n'));
  return asExpected ? 0 : 1;
}
