// The run itself ended early: cancelled by the admin, stopped by the overall time limit, or
// broken by a bug in the probe. Said plainly, so nobody reads a partial run as a verdict.
import { ref } from '../runFacts';
import { categoryRule } from './categoryRule';

export const runRules = categoryRule([
  {
    categories: ['run.cancelled'],
    id: 'run.cancelled',
    title: 'The run was cancelled before it finished',
    score: 60,
    explanation: 'The steps after the cancellation never ran, so this result is incomplete. Run the test again and let it finish.',
    checks: ['Rerun the test.'],
  },
  {
    categories: ['run.timeout'],
    id: 'run.timeout',
    title: 'The whole run took longer than its time limit',
    score: 70,
    explanation: 'The run was stopped by its overall time limit. The step that was running when time ran out is where the server or network is slow or silently dropping traffic.',
    checks: ['Look at the last step that started: its target (DNS, TCP, TLS or HTTP) is the slow part.', 'Rerun with a longer time limit to see whether it finishes at all.'],
    evidence: (facts) => [ref('run', 'Time limit (ms)', facts.run?.settings?.timeoutMs)],
  },
  {
    categories: ['internal'],
    id: 'run.internalError',
    title: 'The probe hit an internal error',
    score: 45,
    explanation: 'Something went wrong inside ActiveSync Doctor rather than on the server. The failure message has the details; please report it with this run exported.',
    checks: ['Rerun; if it repeats, export the run and report it.'],
  },
]);
