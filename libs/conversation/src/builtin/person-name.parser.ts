import { lexiconFor } from './lexicons';
import { foldText } from './text';

/**
 * Finds the caller's name in what they said. Speech-to-text capitalises names, so a name is a run of
 * one to four capitalised words (with particles such as "de", "van", "del" between them) right after
 * a phrase that introduces it: "my name is", "it's for me,", "me llamo", "soy", "je suis", "c'est",
 * "pour moi,". Weekdays, months and a few interjections are never names. After a phrase that can only
 * introduce a name ("my name is", "me llamo", "je m'appelle"), uncapitalised words are taken too, up to
 * the first word that is no name ("my name is kevin brooks and…"). When the agent has just asked for
 * a name, a short answer without such a phrase is taken as the name itself.
 */

/** Phrases that introduce a name, per language. */
const INTRODUCERS: Record<'en' | 'es' | 'fr', string[]> = {
  en: [
    'my name is', "my name's", 'name is', "name's", 'the name is', 'this is', "it's for me,?", "it's for", "it's", 'it is', "i'm", 'i am',
    'call me', 'for me,', 'under the name( of)?', 'under', 'for',
  ],
  es: ['me llamo', 'mi nombre es', 'soy', 'habla', 'le habla', 'de parte de', 'a nombre de', 'para mí,', 'es para', 'para', 'aquí'],
  fr: [
    "je m'appelle", 'mon nom est', "mon nom c'est", 'je suis', "moi c'est", "c'est", 'ici', 'de la part de', 'au nom de', 'pour moi,', 'pour',
  ],
};

/** Phrases after which only a name can follow, capitalised or not. */
const EXPLICIT_INTRODUCERS: Record<'en' | 'es' | 'fr', string[]> = {
  en: ['my name is', "my name's", 'the name is', "name's"],
  es: ['me llamo', 'mi nombre es'],
  fr: ["je m'appelle", 'mon nom est', "mon nom c'est"],
};

/** Capitalised words that are not names. */
const NOT_NAMES = new Set(
  [
    'i', 'ok', 'okay', 'yes', 'no', 'hi', 'hello', 'sure', 'thanks', 'please', 'dr', 'mr', 'mrs', 'ms', 'monday', 'tuesday', 'wednesday',
    'thursday', 'friday', 'saturday', 'sunday', 'january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september',
    'october', 'november', 'december', 'today', 'tomorrow', 'sí', 'si', 'hola', 'gracias', 'oui', 'non', 'merci', 'bonjour', 'allo', 'allô',
    'ppo', 'hmo',
  ].map(foldText),
);

const PARTICLES = '(?:de|del|de la|de los|da|das|do|dos|di|du|van|von|der|le|la|y|st\\.?|mc)';
const CAPITALISED = "\\p{Lu}[\\p{L}'’\\-]*";
/** One to four capitalised words, with particles between them; sticky, applied right after an introducer. */
const NAME_AT = new RegExp(`[\\s,:]*(${CAPITALISED}(?:\\s+(?:${PARTICLES}\\s+)?${CAPITALISED}){0,3})`, 'uy');

/** Up to three words of any case, applied right after an explicit introducer. */
const WORDS_AT = /[\s,:]*([\p{L}'’\-]+(?:\s+[\p{L}'’\-]+){0,2})/uy;

function introducerPattern(phrases: string[]): RegExp {
  return new RegExp(`(?<![\\p{L}])(?:${phrases.map((p) => p.replace(/'/g, "['’]")).join('|')})(?![\\p{L}])`, 'giu');
}

const INTRODUCER_PATTERNS = Object.fromEntries(Object.entries(INTRODUCERS).map(([locale, phrases]) => [locale, introducerPattern(phrases)])) as Record<
  'en' | 'es' | 'fr',
  RegExp
>;
const EXPLICIT_PATTERNS = Object.fromEntries(
  Object.entries(EXPLICIT_INTRODUCERS).map(([locale, phrases]) => [locale, introducerPattern(phrases)]),
) as Record<'en' | 'es' | 'fr', RegExp>;

/** Folded words that end an uncapitalised name: the language's stopwords and fillers ("and", "my", "y", "et"). */
const nameEnders = new Map<string, ReadonlySet<string>>();

function nameEndersOf(locale: string): ReadonlySet<string> {
  let set = nameEnders.get(locale);
  if (!set) {
    const lexicon = lexiconFor(locale);
    set = new Set([...lexicon.stopwords, ...lexicon.nameFillers, ...Object.keys(lexicon.digits)].map(foldText));
    nameEnders.set(locale, set);
  }
  return set;
}

const WORDS = /[\p{L}'’\-]+/gu;
const HAS_DIGIT = /\d/;
const SPACES = /\s+/;

/** Folded filler words per locale, built on first use. */
const fillerSets = new Map<string, ReadonlySet<string>>();

function fillersOf(locale: string): ReadonlySet<string> {
  let set = fillerSets.get(locale);
  if (!set) {
    set = new Set(lexiconFor(locale).nameFillers.map(foldText));
    fillerSets.set(locale, set);
  }
  return set;
}

/** Folded words of a refusal, a closing or a listening noise ("that", "all", "nothing", "tout", "todo"), per locale, built on first use. */
const refusalSets = new Map<string, ReadonlySet<string>>();
/** Folded particles that join the parts of a name ("de", "la", "van"): never refusal words. */
const PARTICLE_WORDS = new Set(['de', 'del', 'los', 'da', 'das', 'do', 'dos', 'di', 'du', 'van', 'von', 'der', 'le', 'la', 'y', 'st', 'mc']);

function refusalWordsOf(locale: string): ReadonlySet<string> {
  let set = refusalSets.get(locale);
  if (!set) {
    const lexicon = lexiconFor(locale);
    const words = [...lexicon.done, ...lexicon.deny, ...lexicon.backchannel, ...lexicon.negations].flatMap((phrase) => foldText(phrase).split(' '));
    set = new Set(words.filter((w) => w && !PARTICLE_WORDS.has(w)));
    refusalSets.set(locale, set);
  }
  return set;
}

/** Whether every part of a word is a refusal word ("that's" → "that s"; "D'Angelo" is not). */
function isRefusalWord(word: string, refusals: ReadonlySet<string>): boolean {
  return foldText(word).split(' ').every((part) => refusals.has(part));
}

const UPPER_FIRST = /^\p{Lu}/u;

/** The name introduced in `text`, cleaned of words that are not names; null when there is none. */
export function findIntroducedName(text: string, locale: string): string | null {
  const base = (locale.split('-')[0] ?? 'en') as 'en';
  const introducers = INTRODUCER_PATTERNS[base] ?? INTRODUCER_PATTERNS.en;
  introducers.lastIndex = 0;
  for (let match = introducers.exec(text); match; match = introducers.exec(text)) {
    NAME_AT.lastIndex = match.index + match[0].length;
    const name = NAME_AT.exec(text);
    const cleaned = name ? cleanName(name[1]!) : null;
    if (cleaned) return cleaned;
  }
  const explicit = EXPLICIT_PATTERNS[base] ?? EXPLICIT_PATTERNS.en;
  explicit.lastIndex = 0;
  const match = explicit.exec(text);
  if (!match) return null;
  WORDS_AT.lastIndex = match.index + match[0].length;
  const words = WORDS_AT.exec(text)?.[1]?.split(SPACES) ?? [];
  const enders = nameEndersOf(locale);
  const end = words.findIndex((w) => enders.has(foldText(w)) || NOT_NAMES.has(foldText(w)));
  const name = (end === -1 ? words : words.slice(0, end)).map((w) => w.charAt(0).toLocaleUpperCase(locale) + w.slice(1));
  return name.length > 0 ? name.join(' ') : null;
}

/**
 * The answer to "what is your name?": an introduced name if there is one; otherwise up to four words
 * left once the fillers ("it's", "yes", "soy", "c'est") are dropped, capitalised. Null when the
 * answer has digits or nothing that can be a name.
 */
export function readNameAnswer(text: string, locale: string): string | null {
  const introduced = findIntroducedName(text, locale);
  if (introduced) return introduced;
  if (HAS_DIGIT.test(text)) return null;
  const fillers = fillersOf(locale);
  const words: string[] = [];
  WORDS.lastIndex = 0;
  for (let m = WORDS.exec(text); m; m = WORDS.exec(text)) if (!fillers.has(foldText(m[0])) && !NOT_NAMES.has(foldText(m[0]))) words.push(m[0]);
  if (words.length === 0 || words.length > 4) return null;
  // "no that's all", "eso es todo", "c'est tout": a refusal or a closing, not a name. Speech-to-text
  // capitalises names: uncapitalised refusal words after the name are dropped ("maria lopez thank you"),
  // anywhere else they make it no name, and so do refusal words alone ("Nothing Else").
  const refusals = refusalWordsOf(locale);
  while (words.length > 0 && !UPPER_FIRST.test(words[words.length - 1]!) && isRefusalWord(words[words.length - 1]!, refusals)) words.pop();
  let refused = 0;
  for (const word of words) {
    if (!isRefusalWord(word, refusals)) continue;
    if (!UPPER_FIRST.test(word)) return null;
    refused++;
  }
  if (refused === words.length) return null;
  return words.map((w) => w.charAt(0).toLocaleUpperCase(locale) + w.slice(1)).join(' ');
}

/**
 * A name said on its own where another answer was expected ("Maria Lopez" to "Shall I book it?"):
 * two to four capitalised words (particles between them allowed) and nothing else, none of them a
 * word of the language's vocabulary. Null otherwise: only a clear name is taken unasked.
 */
export function readBareName(text: string, locale: string): string | null {
  if (HAS_DIGIT.test(text)) return null;
  const enders = nameEndersOf(locale);
  const refusals = refusalWordsOf(locale);
  const words: string[] = [];
  let parts = 0;
  WORDS.lastIndex = 0;
  for (let m = WORDS.exec(text); m; m = WORDS.exec(text)) {
    const word = m[0];
    const folded = foldText(word);
    words.push(word);
    if (PARTICLE_WORDS.has(folded) && words.length > 1) continue;
    if (!UPPER_FIRST.test(word) || NOT_NAMES.has(folded) || enders.has(folded) || isRefusalWord(word, refusals)) return null;
    if (++parts > 4) return null;
  }
  return parts >= 2 && UPPER_FIRST.test(words[words.length - 1]!) ? words.join(' ') : null;
}

/** Drops words that are not names from the ends of a candidate ("Tuesday", "Okay"). */
function cleanName(candidate: string): string | null {
  const words = candidate.split(SPACES);
  while (words.length > 0 && NOT_NAMES.has(foldText(words[0]!))) words.shift();
  while (words.length > 0 && NOT_NAMES.has(foldText(words[words.length - 1]!))) words.pop();
  return words.length > 0 ? words.join(' ') : null;
}
