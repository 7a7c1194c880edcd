// Runs one connectivity test: gathers the inputs (server, user, password), turns settings into
// probe options, shows cancellable progress naming the current step, fills the Test Steps tree
// live, then saves the run to history and updates the diagnosis and the status bar.
// The password stays in local variables and SecretStorage; it is passed to runProbe and nowhere else.
import * as vscode from 'vscode';
import type { ProbeOptions } from '../probe/probeOptions';
import type { ProbeRun } from '../probe/runModel';
import type { Credentials } from './credentials';
import { errorMessage } from '../common/errorMessage';
import { loadEngine } from './engineLoader';
import type { LabSession, RunningLab } from './labSession';
import { microsoftAccountTokenSource } from './microsoftSignIn';
import { log } from './logger';
import type { PersistentState } from './persistentState';
import { recordSettingNotes } from './probeSettings';
import type { RunPublisher } from './runPublisher';
import { probeOptionsForRun, readSettingsOptions, trustLab } from './settingsReader';
// A small pure function, imported directly rather than through the lazily loaded engine.
import { serverKey, withoutCredentials } from './serverKey';
import type { StepsTreeProvider } from './stepsTreeProvider';

export interface RunInputs {
  target: string;
  userName?: string;
  password?: string;
  /** Run against this built-in lab scenario: the target becomes its loopback URL and the lab CA is trusted. */
  labScenario?: string;
}

export interface RunDependencies {
  steps: StepsTreeProvider;
  publisher: RunPublisher;
  credentials: Credentials;
  state: PersistentState;
  lab: LabSession;
}

export class RunController {
  private running: AbortController | undefined;

  constructor(private readonly deps: RunDependencies) {}

  isRunning(): boolean {
    return this.running !== undefined;
  }

  /** "Run Connectivity Test": server, user and password from the user, then the run. */
  async runInteractive(): Promise<ProbeRun | undefined> {
    const target = await this.deps.credentials.promptServer();
    if (!target) return undefined;
    return this.runForServer(target, undefined);
  }

  /** "Re-run Test": same target and user; lab runs go back to the lab with the scenario's credentials. */
  async rerun(run: ProbeRun): Promise<ProbeRun | undefined> {
    if (run.labScenario) return this.runLabScenario(run.labScenario);
    return this.runForServer(run.target.input || run.target.url, run.userName);
  }

  private async runForServer(target: string, knownUser: string | undefined): Promise<ProbeRun | undefined> {
    // OAuth: no user name or password to ask for; the Microsoft account that signs in is the user.
    if (readSettingsOptions().options.auth === 'oauth') return this.execute({ target, userName: knownUser });
    const userName = knownUser ?? (await this.deps.credentials.promptUserName(target));
    if (userName === undefined) return undefined;
    let password: string | undefined;
    let typed = false;
    if (userName.trim()) {
      password = await this.deps.credentials.savedPassword(target, userName);
      if (password === undefined) {
        password = await this.deps.credentials.promptPassword(target, userName);
        if (password === undefined) return undefined;
        typed = true;
      }
    }
    const run = await this.execute({ target, userName: userName.trim() || undefined, password });
    if (run && typed && password) this.deps.credentials.offerToSave(target, userName, password);
    return run;
  }

  /** "Run Test Against Built-in Lab": pick a scenario, run it with its own credentials. */
  async runLabInteractive(): Promise<ProbeRun | undefined> {
    const { LAB_SCENARIOS } = loadEngine();
    // Start the lab while the user reads the list (its certificates take a moment to make).
    this.deps.lab.get().catch(() => undefined);
    const picked = await vscode.window.showQuickPick(
      // The id as description: admins who know a scenario by its id (CLI, docs) find it by typing it.
      LAB_SCENARIOS.map((s) => ({ label: s.title, description: s.id, detail: s.description, id: s.id })),
      { title: 'Run against the built-in lab', placeHolder: 'Choose a scenario: each one simulates a server on this machine', matchOnDescription: true, matchOnDetail: true, ignoreFocusOut: true },
    );
    return picked ? this.runLabScenario(picked.id) : undefined;
  }

  async runLabScenario(id: string, override: { userName?: string; password?: string } = {}): Promise<ProbeRun | undefined> {
    const scenario = loadEngine().LAB_SCENARIOS.find((s) => s.id === id);
    if (!scenario) throw new Error(`Unknown lab scenario: ${id}`);
    // An OAuth scenario signs in at the lab's own authority: the account comes from that sign-in.
    const oauth = scenario.signIn === 'oauth';
    return this.execute({
      target: '',
      labScenario: id,
      userName: override.userName ?? (oauth ? undefined : scenario.credentials.userName),
      password: override.password ?? (oauth ? undefined : scenario.credentials.password),
    });
  }

  /** Cancels the run in progress, if any. */
  cancel(): void {
    this.running?.abort();
  }

  /** The run itself. Returns undefined when another run is in progress or the lab could not start. */
  async execute(inputs: RunInputs): Promise<ProbeRun | undefined> {
    if (this.running) {
      void vscode.window.showWarningMessage('An ActiveSync test is already running.');
      return undefined;
    }
    const abort = new AbortController();
    this.running = abort;
    try {
      return await this.executeUnlocked(inputs, abort);
    } finally {
      this.running = undefined;
    }
  }

  private async executeUnlocked(inputs: RunInputs, abort: AbortController): Promise<ProbeRun | undefined> {
    const engine = loadEngine();
    const settings = await probeOptionsForRun({ labOnly: inputs.labScenario !== undefined });
    const shownTarget = inputs.labScenario ? `lab: ${inputs.labScenario}` : withoutCredentials(inputs.target);
    log().info(`Testing ${shownTarget}${inputs.userName ? ` as ${inputs.userName}` : ' without credentials'}`);
    this.deps.steps.beginLive(shownTarget);

    let run: ProbeRun;
    try {
      run = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `ActiveSync test of ${shownTarget}`, cancellable: true },
        async (progress, token) => {
          token.onCancellationRequested(() => abort.abort());
          let target = inputs.target;
          let lab: RunningLab | undefined;
          if (inputs.labScenario) {
            progress.report({ message: 'Starting the built-in lab…' });
            lab = await this.deps.lab.get();
            target = lab.urlFor(inputs.labScenario);
            trustLab(settings, lab.caPem, { labOnly: true });
          }
          const oauth = oauthFor(inputs.labScenario, lab, settings.options.auth, settings.oauth ?? {});
          const options: ProbeOptions = {
            ...settings.options,
            ...oauth,
            target,
            userName: inputs.userName,
            password: inputs.password,
            labScenario: inputs.labScenario,
            signal: abort.signal,
            onStepStart: (_id, title) => {
              progress.report({ message: title });
              this.deps.steps.stepStarted(title);
            },
            onStepFinished: (_step, stepsSoFar) => this.deps.steps.stepFinished(stepsSoFar),
            // The logger makes control characters inert (see logger.ts); the engine already redacted credentials.
            log: (line) => log().info(line),
          };
          return engine.runProbe(options);
        },
      );
    } catch (error) {
      this.deps.steps.endLive();
      const message = errorMessage(error);
      log().error(`The test could not run: ${message}`);
      void vscode.window.showErrorMessage(`The ActiveSync test could not run: ${message}`);
      return undefined;
    }
    recordSettingNotes(run, settings.notes);
    log().info(`Finished: ${run.outcome} in ${run.durationMs} ms (run ${run.id})`);

    if (!inputs.labScenario) {
      const key = serverKey(inputs.target);
      await this.deps.state.rememberServer(run.target.input || withoutCredentials(inputs.target));
      if (inputs.userName && key) await this.deps.state.rememberUserName(key, inputs.userName);
    }
    try {
      await this.deps.publisher.record(run);
    } catch (error) {
      void vscode.window.showWarningMessage(`The run could not be saved to history: ${errorMessage(error)}`);
    }
    this.deps.publisher.show(run, { ownsStepsView: true });
    this.announce(run);
    return run;
  }

  private announce(run: ProbeRun): void {
    if (run.outcome === 'passed' || run.outcome === 'cancelled') {
      void vscode.window.setStatusBarMessage(`ActiveSync test ${run.outcome}`, 5000);
      return;
    }
    const failed = run.steps.find((s) => s.status === run.outcome);
    const text = `ActiveSync test ${run.outcome === 'failed' ? 'failed' : 'passed with warnings'}${failed ? `: ${failed.title}` : ''}.`;
    void vscode.window.showWarningMessage(text, 'Show Diagnosis').then((answer) => {
      if (answer) void vscode.commands.executeCommand('activesyncDoctor.showDiagnosis', run.id);
    });
  }
}

/**
 * Where an OAuth token comes from: a lab OAuth scenario signs in at the lab's authority (the
 * instructions go to the log; the lab approves by itself); any other run with OAuth (or automatic
 * sign-in) uses VS Code's Microsoft account.
 */
function oauthFor(labScenario: string | undefined, lab: RunningLab | undefined, auth: ProbeOptions['auth'], settings: { tenant?: string; clientId?: string }): Pick<ProbeOptions, 'auth' | 'bearerToken' | 'oauthResource'> {
  if (labScenario && lab?.oauth && loadEngine().findScenario(labScenario)?.signIn === 'oauth') {
    return { auth: auth === 'auto' ? 'auto' : 'oauth', oauthResource: lab.oauth.resourceFor(labScenario), bearerToken: lab.oauth.tokenSource(labScenario, { prompt: (message) => log().info(message) }) };
  }
  if (auth === 'oauth' || auth === 'auto') return { bearerToken: microsoftAccountTokenSource(settings) };
  return {};
}
