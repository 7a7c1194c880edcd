// Loads the engine bundle (dist/engine.js) the first time a command needs it. The extension
// bundle marks './engine.js' external, so activation never pays for the probe, the lab or undici.
import type * as Engine from '../engine';

export type EngineModule = typeof Engine;

let engine: EngineModule | undefined;

export function loadEngine(): EngineModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  engine ??= require('./engine.js') as EngineModule;
  return engine;
}

/** For tests: whether anything has loaded the engine yet (activation must not). */
export function isEngineLoaded(): boolean {
  return engine !== undefined;
}
