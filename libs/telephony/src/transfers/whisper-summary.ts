import { canCallBack, speakableNumber } from './transfer-state';
import type { TransferReason } from './transfer-state';

/** Caller utterances the session keeps for a warm transfer's summary, and their length. */
export const RECENT_UTTERANCES = 3;
const MAX_UTTERANCE_CHARS = 160;

/** The session's recent caller words with `text` added (the oldest dropped beyond {@link RECENT_UTTERANCES}). */
export function rememberUtterance(recent: string[] | null | undefined, text: string): string[] {
  const line = text.trim();
  if (!line) return recent ?? [];
  const clipped = line.length > MAX_UTTERANCE_CHARS ? `${line.slice(0, MAX_UTTERANCE_CHARS - 1)}…` : line;
  return [...(recent ?? []), clipped].slice(-RECENT_UTTERANCES);
}

/** A translator bound to the call's locale (`calls:hooks.whisper.*`). */
export type Translate = (key: string, vars?: Record<string, unknown>) => string;

/**
 * What the agent whispers to the human before a warm transfer bridges: who calls (name, number) and what
 * they said, urgent first when it is an emergency. Computed once when the transfer starts, so that the
 * whisper hook (answered while the human waits on the line) only reads it.
 */
export function whisperSummary(
  t: Translate,
  facts: { business: string; callerName: string | null; from: string; recent: string[] | null | undefined; reason: TransferReason },
): string {
  const from = canCallBack(facts.from) ? t('whisper.from_number', { number: speakableNumber(facts.from) }) : t('whisper.from_unknown');
  const said = (facts.recent ?? []).map((line) => (/[.!?…]$/.test(line) ? line : `${line}.`)).join(' ');
  const parts = [
    facts.reason === 'emergency' ? t('whisper.urgent') : '',
    facts.callerName ? t('whisper.caller_named', { business: facts.business, name: facts.callerName, from }) : t('whisper.caller', { business: facts.business, from }),
    said ? t('whisper.said', { said }) : '',
    t('whisper.connecting'),
  ];
  return parts.filter(Boolean).join(' ');
}
