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
  simulatorRouting,
  type TestCallRouting,
  testCallRoutingSchema,
} from '@tero/telephony';
import { findCallTarget } from './jambonz-account-lookup';

export const CALL_HELP = `  tero call --to NUMBER [--from NUMBER] [--name CALLER] [--url http://localhost:3000]
            [--scenario file.json | --text "utterance" ...] [--language en-US] [--secret S --account-sid SID]
            [--transfer answered|no-answer|busy|failed] [--queue answered|max-wait|hangup [--queue-seconds N]]
            [--staff-queue caller-waiting|empty]
                                       call a number through our jambonz webhooks, as jambonz would; the
                                       last options choose how a transfer, the queue or a staff phone's
                                       dequeue turn out`;

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
  transfer?: string;
  queue?: string;
  queueSeconds?: string;
  staffQueue?: string;
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
    '--transfer': 'transfer',
    '--queue': 'queue',
    '--queue-seconds': 'queueSeconds',
    '--staff-queue': 'staffQueue',
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

const ROUTING_FLAGS: Record<keyof TestCallRouting, string> = { transfer: '--transfer', queue: '--queue', queueSeconds: '--queue-seconds', staffQueue: '--staff-queue' };

/** The routing choices of the command line, checked as the test-call API checks them; a usage error names the flag. */
function routingOf(a: CallArgs): TestCallRouting {
  const seconds = a.queueSeconds === undefined ? undefined : /^\d+$/.test(a.queueSeconds) ? Number(a.queueSeconds) : a.queueSeconds;
  const parsed = testCallRoutingSchema.safeParse({ transfer: a.transfer, queue: a.queue, queueSeconds: seconds, staffQueue: a.staffQueue });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const flag = ROUTING_FLAGS[issue.path[0] as keyof TestCallRouting];
    const given = a[issue.path[0] as keyof CallArgs];
    throw new TeroError('cli.usage', `tero call: ${flag} ${issue.message}${given !== undefined ? `, not "${String(given)}"` : ''}`);
  }
  return parsed.data;
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
  const routing = routingOf(a);
  if ((a.secret === undefined) !== (a.accountSid === undefined)) throw new TeroError('cli.usage', 'tero call: --secret and --account-sid go together');
  const account = a.secret !== undefined ? { accountSid: a.accountSid!, secret: a.secret } : await findCallTarget(loadInstanceConfig(io.env, { cwd: io.cwd }), to!);
  const url = a.url ?? `http://localhost:${io.env.PORT ?? 3000}`;

  let input: CallerInputSource;
  const lines = scenario?.lines ?? a.text;
  const interactive = lines.length === 0;
  /** Agent lines the interactive mode showed before each prompt; the caller typed their own lines. */
  let shownAgentLines = 0;
  const printTranscript = (transcript: TranscriptEntry[]) => {
    let skipAgent = shownAgentLines;
    for (const entry of transcript) {
      if (interactive && entry.speaker === 'caller') continue;
      if (entry.speaker === 'agent' && skipAgent > 0) {
        skipAgent--;
        continue;
      }
      io.print(formatTranscriptEntry(entry));
    }
  };
  if (!interactive) {
    input = scriptedCaller(lines);
  } else {
    const readLine = io.readLine;
    if (!readLine) throw new TeroError('cli.usage', 'tero call: give --text or --scenario when the input is not a terminal');
    input = async (context: ListenContext) => {
      for (const said of context.agentSaid) io.print(`agent  ${said}`);
      shownAgentLines += context.agentSaid.length;
      const line = await readLine(context.mode === 'voicemail' ? 'message> ' : 'you> ');
      return line === null ? { hangup: true } : parseCallerLine(line);
    };
  }
  if (scenario?.at) io.print(`(the scenario is set at ${scenario.at} local time; this call happens now, on the server's clock)`);
  io.print(`calling ${to} from ${from} on ${url} (${language}, jambonz account ${account.accountSid})`);
  if (interactive) io.print('Type what the caller says; an empty line is silence, [press 1] presses keys, [hangup] or Ctrl-D hangs up.');

  const simulator = new JambonzSimulator({ baseUrl: url, secret: account.secret, accountSid: account.accountSid, ...simulatorRouting(routing) });
  try {
    const call = await simulator.call({ from, to: to!, callerName: a.name ?? scenario?.caller?.name, language, input });
    printTranscript(call.transcript);
    io.print(formatOutcome(call));
    return 0;
  } catch (error) {
    if (!(error instanceof SimulatorError)) throw error;
    if (error.call) printTranscript(error.call.transcript);
    io.print(`tero call: ${error.message}`);
    return 1;
  }
}

/**
 * Line reader for the interactive mode, on a terminal or a pipe. Lines are queued as they arrive (a pipe
 * delivers them all at once, before anyone asks); the end of input reads as null.
 */
export function terminalReader(): { readLine(prompt: string): Promise<string | null>; close(): void } {
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY === true });
  const queued: string[] = [];
  let waiting: ((line: string | null) => void) | null = null;
  let closed = false;
  rl.on('line', (line) => {
    if (waiting) {
      const deliver = waiting;
      waiting = null;
      deliver(line);
    } else queued.push(line);
  });
  rl.once('close', () => {
    closed = true;
    waiting?.(null);
    waiting = null;
  });
  return {
    readLine: async (prompt) => {
      if (queued.length) return queued.shift()!;
      if (closed) return null;
      rl.setPrompt(prompt);
      rl.prompt();
      return new Promise<string | null>((resolve) => (waiting = resolve));
    },
    close: () => rl.close(),
  };
}
