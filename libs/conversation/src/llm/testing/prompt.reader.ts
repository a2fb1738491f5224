import { parseLocal } from '@tero/core';

/**
 * What the scripted receptionist model reads from the system prompt, as a real model would: the
 * business's pack prompt (questions and answers, opening hours) and the LLM agent's fixed instructions
 * (this call's facts, the services with their ids, whether calls can be put through). It reads text
 * only: nothing but the prompt is shared with the engine.
 */
export interface PromptFacts {
  locale: 'en' | 'es' | 'fr';
  timezone: string;
  /** The call's moment. */
  now: Date;
  callerNumber: string | null;
  services: { id: string; name: string; durationMinutes: number; keywords: string[]; bookable: boolean }[];
  /** Question and answer pairs of the pack prompt (`Q:`/`A:`, `P:`/`R:`, `Q :`/`R :`). */
  faq: { question: string; answer: string }[];
  /** Lines of the opening hours, by weekday (0 = Monday), as the prompt words them: `Saturday: Closed`. */
  hours: Map<number, string>;
  canTransferHuman: boolean;
  canTransferEmergency: boolean;
}

const LANGUAGES: Record<string, PromptFacts['locale']> = { English: 'en', Spanish: 'es', French: 'fr' };
const SERVICE_LINE = /^- ([a-z0-9-]+): (.+), (\d+) min, [^(]+?(?: \(callers say: (.+)\))?$/;

/** Weekday names of a locale, Monday first, lower case (`lunes`, `lundi`). */
function weekdayNames(locale: string): string[] {
  const format = new Intl.DateTimeFormat(locale, { weekday: 'long', timeZone: 'UTC' });
  // 2024-01-01 was a Monday.
  return Array.from({ length: 7 }, (_, i) => format.format(new Date(Date.UTC(2024, 0, 1 + i))).toLocaleLowerCase(locale));
}

function section(lines: string[], heading: string): string[] {
  const start = lines.indexOf(heading);
  if (start === -1) return [];
  const end = lines.findIndex((line, i) => i > start && (line.startsWith('# ') || line === ''));
  return lines.slice(start + 1, end === -1 ? undefined : end);
}

/** Reads the facts out of a system prompt written by the LLM agent. Throws when the fixed instructions are missing. */
export function readPrompt(system: string): PromptFacts {
  const lines = system.split('\n').map((line) => line.trimEnd());
  const language = /Speak (\w+) only/.exec(system)?.[1];
  const locale = LANGUAGES[language ?? ''];
  const now = /^- Now: \w+ (\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}), time zone (\S+?)\./m.exec(system);
  if (!locale || !now) throw new Error('the system prompt has no call facts (language, now, time zone)');
  const caller = /^- Caller's number: (\+\d+)/m.exec(system)?.[1] ?? null;

  const parseServices = (heading: string, bookable: boolean) =>
    section(lines, heading).flatMap((line) => {
      const match = SERVICE_LINE.exec(line);
      if (!match) return [];
      const keywords = match[4] ? match[4].split(', ').map((k) => k.trim()).filter(Boolean) : [];
      return [{ id: match[1], name: match[2], durationMinutes: Number(match[3]), keywords, bookable }];
    });

  const faq: PromptFacts['faq'] = [];
  for (let i = 0; i + 1 < lines.length; i++) {
    const question = /^\s*[QP]\s?:\s*(.+)$/.exec(lines[i]);
    const answer = question && /^\s*[AR]\s?:\s*(.+)$/.exec(lines[i + 1]);
    if (question && answer) faq.push({ question: question[1].trim(), answer: answer[1].trim() });
  }

  const names = weekdayNames(locale);
  const hours = new Map<number, string>();
  for (const line of lines) {
    const lower = line.trim().toLocaleLowerCase(locale);
    const day = names.findIndex((name) => lower.startsWith(`${name}:`) || lower.startsWith(`${name} :`));
    if (day !== -1 && !hours.has(day)) hours.set(day, line.trim());
  }

  return {
    locale,
    timezone: now[3],
    now: parseLocal(`${now[1]}T${now[2]}`, now[3]),
    callerNumber: caller,
    services: [...parseServices('# Services you can book (use these ids)', true), ...parseServices('# Services you describe but do not book (take a message)', false)],
    faq,
    hours,
    canTransferHuman: /To a person \(transfer reason "human"\): possible/.test(system),
    canTransferEmergency: /Emergencies \(transfer reason "emergency"\): possible/.test(system),
  };
}
