// The messages between the extension and the comparison webview, and the one check of what the
// page sends back: a known type, and run ids that are the two runs on screen. Pure (no vscode
// import): the page script imports the types from here too.
import type { RunComparison } from '../compare/runComparison';

export const COMPARISON_VIEW_TYPE = 'activesyncDoctor.comparison';

export interface ShowComparisonMessage {
  type: 'showComparison';
  comparison: RunComparison;
}

export type ComparisonToHostMessage = { type: 'ready' } | { type: 'copyMarkdown' } | { type: 'openRun'; runId: string };

/** What the page keeps with setState, and what the serializer gets back after a reload. */
export interface ComparisonViewState {
  show?: ShowComparisonMessage;
}

export function parseComparisonMessage(raw: unknown, shown: RunComparison | undefined): ComparisonToHostMessage | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const message = raw as Record<string, unknown>;
  switch (message.type) {
    case 'ready':
    case 'copyMarkdown':
      return { type: message.type };
    case 'openRun': {
      const { runId } = message;
      if (typeof runId !== 'string' || !shown || (runId !== shown.before.id && runId !== shown.after.id)) return undefined;
      return { type: 'openRun', runId };
    }
    default:
      return undefined;
  }
}
