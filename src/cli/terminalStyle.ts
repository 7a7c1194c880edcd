// Colour for the CLI only when a person is reading a terminal (and NO_COLOR is not set).
import type { StepStatus } from '../probe/runModel';

export interface Style {
  green(s: string): string;
  red(s: string): string;
  yellow(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
}

const wrap = (code: string) => (s: string) => `\u001b[${code}m${s}\u001b[0m`;
const plain = (s: string) => s;

export function styleFor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): Style {
  const on = Boolean(stream.isTTY) && env.NO_COLOR === undefined && env.TERM !== 'dumb';
  return on
    ? { green: wrap('32'), red: wrap('31'), yellow: wrap('33'), dim: wrap('2'), bold: wrap('1') }
    : { green: plain, red: plain, yellow: plain, dim: plain, bold: plain };
}

export const STATUS_MARKS: Record<StepStatus, string> = { passed: '✓', failed: '✗', warning: '!', skipped: '–' };

export function markFor(status: StepStatus, style: Style): string {
  const mark = STATUS_MARKS[status];
  switch (status) {
    case 'passed':
      return style.green(mark);
    case 'failed':
      return style.red(mark);
    case 'warning':
      return style.yellow(mark);
    default:
      return style.dim(mark);
  }
}
