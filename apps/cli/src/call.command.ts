import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { loadInstanceConfig } from '@tero/core';
import { TeroError } from '@tero/sdk';
import {
  type CallerInputSource,
  JambonzSimulator,
  type ListenContext,
  SimulatorError,
  type TranscriptEntry,
  formatOutcome,
  formatTranscriptEntry,
  parseCallerLine,
  scenarioCallerLines,
  scriptedCaller,
} from '@tero/telephony';
import { findCallTarget } from './jambonz-account-lookup';

export const CALL_HELP = `  tero call --to NUMBER [--from NUMBER] [--name CALLER] [--url http://localhost:3000]
            [--scenario file.json | --text "utterance" ...] [--language en-US] [--secret S --account-sid SID]
                                       call a number through our jambonz webhooks, as jambonz would`;

/** Where the command reads and writes; tests pass their own. */
export interface CallCommandIo {
  env: Record<string, string | undefined>;
  /** Folder the configuration (`.env`, a relative DATA_DIR) is read from. */
  cwd: string;
  print(text: string): void;
  /** Reads the caller's next line; null is the end of input (the caller hangs up). Interactive mode only. */
  readLine?(prompt: string): Promise<string | null>;
}

interface CallArgs {
  to?: string;
  from?: string;
  name?: string;
  url?: string;
  scenario?: string;
  text: string[];
  language?: string;
  secret?: string;
  accountSid?: string;
}

const LANGUAGES: Record<string, string> = { en: 'en-US', es: 'es-ES', fr: 'fr-FR' };
const E164 = /^\+[1-9]\d{6,14}$/;

function parseArgs(args: string[]): CallArgs {
  const out: CallArgs = { text: [] };
  const names: Record<string, keyof CallArgs> = {
    '--to': 'to',
    '--from': 'from',
    '--name': 'name',
    '--url': 'url',
    '--scenario': 'scenario',
    '--text': 'text',
    '--language': 'language',
    '--secret': 'secret',
    '--account-sid': 'accountSid',
  };
  for (let i = 0; i < args.length; i++) {
    const key = names[args[i]];
    if (!key) throw new TeroError('cli.usage', `tero call: unknown option "${args[i]}"`);
    const value = args[i + 1];
    if (value === undefined || (value.startsWith('--') && key !== 'text')) throw new TeroError('cli.usage', `tero call: ${args[i]} needs a value`);
    i++;
    if (key === 'text') out.text.push(value);
    else out[key] = value;
  }
  return out;
}

function readScenario(path: string): { lines: string[]; caller?: { number?: string; name?: string }; locale?: string; at?: string } {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new TeroError('cli.usage', `--scenario ${path}: ${(error as Error).message}`);
  }
  try {
    const scenario = json as { caller?: { number?: string; name?: string }; locale?: string; at?: string };
    return { lines: scenarioCallerLines(json), caller: scenario.caller, locale: scenario.locale, at: scenario.at };
  } catch (error) {
    throw new TeroError('cli.usage', `--scenario ${path}: ${(error as Error).message}`);
  }
}

/**
 * `tero call`: places a simulated inbound call on our own webhooks, signed with the number's jambonz
 * account secret from the database (or `--secret`), and prints the conversation. The caller's lines
 * come from `--text` (repeatable), a scenario file, or the terminal when neither is given.
 */
export async function runCallCommand(args: string[], io: CallCommandIo): Promise<number> {
  const a = parseArgs(args);
  const scenario = a.scenario ? readScenario(a.scenario) : null;
  if (scenario && a.text.length) throw new TeroError('cli.usage', 'tero call: give --scenario or --text, not both');
  const to = a.to;
  const from = a.from ?? scenario?.caller?.number ?? '+15550100000';
  for (const [flag, value] of [['--to', to], ['--from', from]] as const) {
    if (!value || !E164.test(value)) throw new TeroError('cli.usage', `tero call: ${flag} must be an E.164 number like +15551234567${value ? `, not "${value}"` : ''}`);
  }
  const language = a.language ?? LANGUAGES[scenario?.locale ?? ''] ?? 'en-US';
  if ((a.secret === undefined) !== (a.accountSid === undefined)) throw new TeroError('cli.usage', 'tero call: --secret and --account-sid go together');
  const account = a.secret !== undefined ? { accountSid: a.accountSid!, secret: a.secret } : await findCallTarget(loadInstanceConfig(io.env, { cwd: io.cwd }), to!);
  const url = a.url ?? `http://localhost:${io.env.PORT ?? 3000}`;

  let printed = 0;
  const flush = (transcript: TranscriptEntry[]) => {
    for (; printed < transcript.length; printed++) io.print(formatTranscriptEntry(transcript[printed]));
  };
  let input: CallerInputSource;
  const lines = scenario?.lines ?? a.text;
  if (lines.length) {
    input = scriptedCaller(lines);
  } else {
    const readLine = io.readLine;
    if (!readLine) throw new TeroError('cli.usage', 'tero call: give --text or --scenario when the input is not a terminal');
    io.print('Type what the caller says; an empty line is silence, [press 1] presses keys, [hangup] or Ctrl-D hangs up.');
    input = async (context: ListenContext) => {
      for (const said of context.agentSaid) io.print(`agent  ${said}`);
      const line = await readLine(context.mode === 'voicemail' ? 'message> ' : 'you> ');
      return line === null ? { hangup: true } : parseCallerLine(line);
    };
  }
  if (scenario?.at) io.print(`(the scenario is set at ${scenario.at} local time; this call happens now, on the server's clock)`);
  io.print(`calling ${to} from ${from} on ${url} (${language}, jambonz account ${account.accountSid})`);

  const simulator = new JambonzSimulator({ baseUrl: url, secret: account.secret, accountSid: account.accountSid });
  const interactive = !lines.length;
  try {
    const call = await simulator.call({ from, to: to!, callerName: a.name ?? scenario?.caller?.name, language, input });
    if (interactive) printed = lastCallerEntry(call.transcript) + 1;
    flush(call.transcript);
    io.print(formatOutcome(call));
    return 0;
  } catch (error) {
    if (!(error instanceof SimulatorError)) throw error;
    if (error.call) {
      if (interactive) printed = lastCallerEntry(error.call.transcript) + 1;
      flush(error.call.transcript);
    }
    io.print(`tero call: ${error.message}`);
    return 1;
  }
}

/** Index of the caller's last line (interactive mode already showed everything up to it), or -1. */
function lastCallerEntry(transcript: TranscriptEntry[]): number {
  for (let i = transcript.length - 1; i >= 0; i--) if (transcript[i].speaker === 'caller') return i;
  return -1;
}

/** Terminal line reader for the interactive mode; null on end of input. */
export function terminalReader(): { readLine(prompt: string): Promise<string | null>; close(): void } {
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY });
  let closed = false;
  rl.once('close', () => (closed = true));
  return {
    readLine: async (prompt) => {
      if (closed) return null;
      return new Promise<string | null>((resolve) => {
        const onClose = () => resolve(null);
        rl.once('close', onClose);
        rl.question(prompt).then(
          (answer) => {
            rl.off('close', onClose);
            resolve(answer);
          },
          () => resolve(null),
        );
      });
    },
    close: () => rl.close(),
  };
}
