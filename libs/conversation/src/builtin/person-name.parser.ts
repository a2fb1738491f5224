import { lexiconFor } from './lexicons';
import { foldText } from './text';

/**
 * Finds the caller's name in what they said. Speech-to-text capitalises names, so a name is a run of
 * one to four capitalised words (with particles such as "de", "van", "del" between them) right after
 * a phrase that introduces it: "my name is", "it's for me,", "me llamo", "soy", "je suis", "c'est",
 * "pour moi,". Weekdays, months and a few interjections are never names. When the agent has just
 * asked for a name, a short answer without such a phrase is taken as the name itself.
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

const INTRODUCER_PATTERNS = Object.fromEntries(
  Object.entries(INTRODUCERS).map(([locale, phrases]) => [
    locale,
    new RegExp(`(?<![\\p{L}])(?:${phrases.map((p) => p.replace(/'/g, "['’]")).join('|')})(?![\\p{L}])`, 'giu'),
  ]),
) as Record<'en' | 'es' | 'fr', RegExp>;

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

/** The name introduced in `text`, cleaned of words that are not names; null when there is none. */
export function findIntroducedName(text: string, locale: string): string | null {
  const introducers = INTRODUCER_PATTERNS[(locale.split('-')[0] ?? 'en') as 'en'] ?? INTRODUCER_PATTERNS.en;
  introducers.lastIndex = 0;
  for (let match = introducers.exec(text); match; match = introducers.exec(text)) {
    NAME_AT.lastIndex = match.index + match[0].length;
    const name = NAME_AT.exec(text);
    const cleaned = name ? cleanName(name[1]!) : null;
    if (cleaned) return cleaned;
  }
  return null;
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
  return words.map((w) => w.charAt(0).toLocaleUpperCase(locale) + w.slice(1)).join(' ');
}

/** Drops words that are not names from the ends of a candidate ("Tuesday", "Okay"). */
function cleanName(candidate: string): string | null {
  const words = candidate.split(SPACES);
  while (words.length > 0 && NOT_NAMES.has(foldText(words[0]!))) words.shift();
  while (words.length > 0 && NOT_NAMES.has(foldText(words[words.length - 1]!))) words.pop();
  return words.length > 0 ? words.join(' ') : null;
}
