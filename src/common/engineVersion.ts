// The engine version recorded in every run, injected by the build from package.json.
declare const __ENGINE_VERSION__: string | undefined;

export const ENGINE_VERSION: string = typeof __ENGINE_VERSION__ === 'string' ? __ENGINE_VERSION__ : '0.0.0-dev';
