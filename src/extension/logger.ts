// The extension's one log: a LogOutputChannel named "ActiveSync Doctor", created on first use.
// Probe lines arrive already redacted; nothing here ever receives a password. Every line passes
// through stripControlCharacters first: probe lines quote server text, and an ESC or BEL from a
// hostile server must reach the channel (and its log file, which admins `cat`) as visible text,
// never as a terminal escape sequence. The last lines are also kept in memory so the
// extension-host tests can check what reached the log.
import * as vscode from 'vscode';
import { stripControlCharacters } from '../common/textSafety';

const KEEP_LINES = 2000;

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  debug(message: string): void;
  show(): void;
}

let channel: vscode.LogOutputChannel | undefined;
const recent: string[] = [];

function remember(line: string): void {
  recent.push(line);
  if (recent.length > KEEP_LINES) recent.splice(0, recent.length - KEEP_LINES);
}

/** Every level takes the same path: control characters made inert, kept in memory, then written. */
function writer(level: 'info' | 'warn' | 'error' | 'debug'): (message: string) => void {
  return (message) => {
    const line = stripControlCharacters(message);
    remember(line);
    output()[level](line);
  };
}

const logger: Logger = {
  info: writer('info'),
  warn: writer('warn'),
  error: writer('error'),
  debug: writer('debug'),
  show: () => output().show(true),
};

function output(): vscode.LogOutputChannel {
  channel ??= vscode.window.createOutputChannel('ActiveSync Doctor', { log: true });
  return channel;
}

export function log(): Logger {
  return logger;
}

/** The last lines written to the log, oldest first. */
export function recentLogLines(): readonly string[] {
  return recent;
}

export function disposeLog(): void {
  channel?.dispose();
  channel = undefined;
}
