// The extension's small, non-secret memory in globalState, behind scoped keys: recent servers,
// the last user name per server, and ticked checklist steps per server and checklist.
// Passwords never come here (they live in SecretStorage, see credentials.ts).
import type * as vscode from 'vscode';
import type { ChecklistTicks } from '../diagnosis/diagnosisModel';

const RECENT_SERVERS = 'recentServers';
const LAST_USER_PREFIX = 'lastUser:';
const TICKS_PREFIX = 'ticks:';
/** When each ticked step was ticked, per server and checklist: a comparison lists the ticks done between two runs. */
const TICK_TIMES_PREFIX = 'tickTimes:';
const MAX_RECENT = 10;
/** Ticks shown before any run exists belong to no server. '-' can't start a host name. */
export const NO_SERVER = '-';

export interface RecentServer {
  /** What the user typed, credentials already removed by the engine's target parsing. */
  input: string;
  lastUsedAt: string;
}

export class PersistentState {
  constructor(private readonly memento: vscode.Memento) {}

  recentServers(): RecentServer[] {
    const value = this.memento.get<unknown>(RECENT_SERVERS);
    return Array.isArray(value) ? value.filter((v): v is RecentServer => typeof v?.input === 'string' && typeof v?.lastUsedAt === 'string') : [];
  }

  async rememberServer(input: string): Promise<void> {
    const others = this.recentServers().filter((s) => s.input.toLowerCase() !== input.toLowerCase());
    await this.memento.update(RECENT_SERVERS, [{ input, lastUsedAt: new Date().toISOString() }, ...others].slice(0, MAX_RECENT));
  }

  lastUserName(server: string): string | undefined {
    const value = this.memento.get<unknown>(LAST_USER_PREFIX + server);
    return typeof value === 'string' ? value : undefined;
  }

  async rememberUserName(server: string, userName: string): Promise<void> {
    await this.memento.update(LAST_USER_PREFIX + server, userName);
  }

  ticks(server: string, checklistId: string): string[] {
    const value = this.memento.get<unknown>(ticksKey(server, checklistId));
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  }

  /** Ticks of several checklists for one server, in the shape the report renderer takes. */
  ticksFor(server: string, checklistIds: readonly string[]): ChecklistTicks {
    const result: ChecklistTicks = {};
    for (const id of checklistIds) result[id] = this.ticks(server, id);
    return result;
  }

  async setTick(server: string, checklistId: string, stepId: string, checked: boolean): Promise<string[]> {
    const current = new Set(this.ticks(server, checklistId));
    if (checked) current.add(stepId);
    else current.delete(stepId);
    const next = [...current];
    await this.memento.update(ticksKey(server, checklistId), next.length ? next : undefined);
    const times = { ...this.tickTimes(server, checklistId) };
    if (checked) times[stepId] ??= new Date().toISOString();
    else delete times[stepId];
    await this.memento.update(tickTimesKey(server, checklistId), Object.keys(times).length ? times : undefined);
    return next;
  }

  async resetTicks(server: string, checklistId: string): Promise<void> {
    await this.memento.update(ticksKey(server, checklistId), undefined);
    await this.memento.update(tickTimesKey(server, checklistId), undefined);
  }

  /** Ticked steps of every checklist of a server with the time each was ticked (ticks older than this record have none). */
  tickedWithTimes(server: string): Array<{ checklistId: string; stepId: string; tickedAt: string }> {
    const prefix = `${TICK_TIMES_PREFIX}${server || NO_SERVER}:`;
    const result: Array<{ checklistId: string; stepId: string; tickedAt: string }> = [];
    for (const key of this.memento.keys()) {
      if (!key.startsWith(prefix)) continue;
      const checklistId = key.slice(prefix.length);
      const ticked = new Set(this.ticks(server, checklistId));
      for (const [stepId, tickedAt] of Object.entries(this.tickTimes(server, checklistId))) {
        if (ticked.has(stepId)) result.push({ checklistId, stepId, tickedAt });
      }
    }
    return result;
  }

  private tickTimes(server: string, checklistId: string): Record<string, string> {
    const value = this.memento.get<unknown>(tickTimesKey(server, checklistId));
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
    return Object.fromEntries(Object.entries(value).filter((e): e is [string, string] => typeof e[1] === 'string' && !Number.isNaN(Date.parse(e[1]))));
  }
}

export function ticksKey(server: string, checklistId: string): string {
  return `${TICKS_PREFIX}${server || NO_SERVER}:${checklistId}`;
}

function tickTimesKey(server: string, checklistId: string): string {
  return `${TICK_TIMES_PREFIX}${server || NO_SERVER}:${checklistId}`;
}
