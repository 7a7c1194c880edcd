// Conventions a tool keeps (typescript-eslint, flat config). The import rules hold the layering:
// only the extension talks to VS Code, the lab reaches protocol code through src/protocol/ rather
// than the probe's internals, and the webview script imports nothing of the extension host.
import tseslint from 'typescript-eslint';

const VSCODE_ONLY_IN_EXTENSION = {
  name: 'vscode',
  message: 'Only src/extension/ (and the extension-host tests) may import vscode: the engine runs in the CLI and in plain Node tests too.',
};

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'out/', 'dist-vsix/', '.vscode-test/', 'test-artifacts/', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommended],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      'no-restricted-imports': ['error', { paths: [VSCODE_ONLY_IN_EXTENSION] }],
    },
  },
  {
    files: ['src/extension/**/*.ts', 'test/vscode/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    // The engine never reaches into the extension either.
    files: ['src/**/*.ts'],
    ignores: ['src/extension/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        paths: [VSCODE_ONLY_IN_EXTENSION],
        patterns: [{ group: ['**/extension/*', '**/extension'], message: 'The engine must not import the VS Code extension (src/extension/).' }],
      }],
      'no-restricted-imports': 'off',
    },
  },
  {
    // The lab plays the server: it shares wire formats (src/protocol/) and the run model's types
    // with the probe, never the probe's code, so a probe bug cannot hide in a lab that agrees with it.
    files: ['src/lab/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        paths: [VSCODE_ONLY_IN_EXTENSION],
        patterns: [
          { group: ['**/extension/*', '**/extension'], message: 'The lab must not import the VS Code extension.' },
          { regex: '(^|/)probe/(?!runModel$)', message: 'The lab must not import probe internals: share wire code through src/protocol/.' },
          { regex: '(^|/)probe/runModel$', allowTypeImports: true, message: 'The lab may use the run model\'s types only.' },
        ],
      }],
    },
  },
  {
    // The diagnosis page runs in a browser frame: it talks to the extension only by postMessage.
    files: ['media/webview/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        paths: [{ name: 'vscode', message: 'The webview cannot import vscode: use acquireVsCodeApi().postMessage.' }],
        patterns: [
          { group: ['node:*', 'fs', 'path', 'os', 'child_process', 'net', 'tls', 'http', 'https', 'crypto'], message: 'The webview runs in a browser frame: no Node modules.' },
          {
            regex: '(^|/)src/(?!webview/[^/]+$|probe/runModel$|diagnosis/diagnosisModel$|compare/runComparison$|compare/comparisonWords$)',
            message: 'The webview imports only the message protocol (src/webview/), the run, diagnosis and comparison models and the comparison\'s words, nothing of the extension host.',
          },
        ],
      }],
      'no-restricted-imports': 'off',
    },
  },
);
