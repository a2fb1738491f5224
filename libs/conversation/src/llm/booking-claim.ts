/**
 * Whether an agent's words tell the caller an appointment is booked ("you're booked", "está
 * reservada", "c'est bien réservé"). The LLM agent checks its model's reply with it before speaking,
 * so that a claim the ledger does not hold never reaches a caller; questions ("shall I book it?") and
 * denials ("it is not booked yet") are not claims.
 */

/** `\b` in JavaScript knows only ASCII letters: "réservé" would end in no boundary. This one knows every letter. */
const BOUNDARY = String.raw`(?:(?<![\p{L}\p{N}])(?=[\p{L}\p{N}])|(?<=[\p{L}\p{N}])(?![\p{L}\p{N}]))`;

/** A pattern whose `\b` are Unicode word boundaries. */
function words(pattern: RegExp): RegExp {
  return new RegExp(pattern.source.replaceAll(String.raw`\b`, BOUNDARY), 'u');
}

const CLAIMS: Record<string, RegExp[]> = {
  en: [
    /\b(?:is|are|was|were|'s|'re|been|now|all|have|'ve|has)\s+(?:now\s+|all\s+|been\s+|successfully\s+)*(?:booked|scheduled|reserved)\b/,
    /\bi(?:'ve| have)\s+(?:now\s+|just\s+)?(?:booked|scheduled|reserved|confirmed)\b/,
    /\b(?:booking|appointment|reservation) (?:is )?(?:confirmed|complete|done)\b/,
  ],
  es: [
    /(?<!\bno )\b(?:queda|qued[oó]|est[aá]|est[aá]n|he|ha|hemos|fue)\s+(?:ya\s+|bien\s+)*(?:reservad[ao]s?|agendad[ao]s?|programad[ao]s?)\b/,
    /\b(?:cita|reserva|hora)\s+(?:ya\s+)?(?:queda|qued[oó]|est[aá])\s+(?:ya\s+|bien\s+)*confirmad[ao]\b/,
    /\b(?:le|te)\s+(?:he|hemos)\s+(?:reservado|agendado|apuntado|programado)\b/,
  ],
  fr: [
    /\b(?:est|sont|ai|avons|a été|ont été)\s+(?:bien\s+|maintenant\s+|déjà\s+)*(?:réservée?s?|programmée?s?)\b/,
    /\b(?:rendez-vous|réservation|créneau)\s+(?:est|a été)\s+(?:bien\s+)?(?:confirmée?|enregistrée?)\b/,
    /\bj'ai\s+(?:bien\s+)?(?:réservé|pris|noté|enregistré) (?:votre|le|ce) (?:rendez-vous|rdv|créneau)\b/,
  ],
};

const UNICODE_CLAIMS: Record<string, RegExp[]> = Object.fromEntries(
  Object.entries(CLAIMS).map(([language, patterns]) => [language, patterns.map(words)]),
);

/** The text as the patterns read it: lower case, typographic apostrophes plain, spaces single. */
function normalise(text: string, locale: string): string {
  return text.normalize('NFC').toLocaleLowerCase(locale).replace(/[\u2018\u2019\u02bc]/g, "'").replace(/\s+/g, ' ');
}

/** Whether `text`, in `locale` (`en`, `es`, `fr`; others are read as English), says something is booked. */
export function claimsBooking(text: string, locale: string): boolean {
  const language = locale.split('-')[0];
  const normalised = normalise(text, language);
  return (UNICODE_CLAIMS[language] ?? UNICODE_CLAIMS.en).some((pattern) => pattern.test(normalised));
}
