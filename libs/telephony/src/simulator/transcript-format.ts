import type { SimulatedCall, TranscriptEntry } from './simulator.types';

const ENDINGS: Record<SimulatedCall['outcome']['endedBy'], string> = {
  agent: 'the agent hung up',
  caller: 'the caller hung up',
  application: 'the application had nothing more to do',
  transfer: 'the call was put through',
  declined: 'the call was declined',
  rejected: 'jambonz rejected the call (SIP 480)',
};

/** One transcript line as people read it: `agent  Hello…`, `caller (silence)`, `  · transfer to …`. */
export function formatTranscriptEntry(entry: TranscriptEntry): string {
  const who = entry.speaker === 'system' ? '  ·' : entry.speaker.padEnd(6);
  const text = entry.kind === 'silence' ? '(silence)' : entry.kind === 'dtmf' ? `(presses ${entry.text})` : entry.text;
  return `${who} ${text}`;
}

/** How the call ended, on one line: who ended it, how long it lasted, what it left behind. */
export function formatOutcome(call: SimulatedCall): string {
  const { outcome } = call;
  const facts = [ENDINGS[outcome.endedBy], `${outcome.durationSeconds} s`, `${outcome.callerTurns} caller turn(s)`];
  for (const queue of outcome.queues) facts.push(`waited ${queue.waitedSeconds} s in queue ${queue.name}: ${queue.result}`);
  for (const dequeue of outcome.dequeues) facts.push(`dequeue from ${dequeue.name}: ${dequeue.result}`);
  if (outcome.voicemail !== null) facts.push('voicemail left');
  if (outcome.recording.started) facts.push(`recording started after ${outcome.recording.agentLinesBefore} agent line(s)`);
  return `— ${facts.join(', ')}`;
}

/** A simulated call as people read it: who said what, then how it ended. */
export function formatTranscript(call: SimulatedCall): string {
  return [...call.transcript.map(formatTranscriptEntry), formatOutcome(call)].join('\n');
}
