import type { PackIntent } from '@tero/sdk';
import type { AgentKnowledge, KnownFaq, KnownService } from '../engine.port';
import { LEXICON_INTENTS, lexiconFor, type LexiconIntent } from './lexicons';
import { PhraseIndex } from './phrase-index';
import { accentedWords, foldedWords, matchTokens, stem } from './text';

/**
 * The built-in engine's understanding of one business in one language: the generic lexicon, the pack's
 * phrasings, the services' and FAQ's keywords and the emergency words, indexed once per
 * {@link AgentKnowledge} object and kept as long as that object lives. A turn then only looks words up.
 *
 * Scoring is meant to be read and explained: each intent adds up the lexicon phrases found (a strong
 * phrase 2, a weak one 1, half a point per extra word), the pack's closest example phrasing (up to 3,
 * by the share of its content words the caller used), a mention of a service (1 towards booking, or
 * towards a price question when price words are there), and the best FAQ entry's own score.
 */

/** What a caller may want, as the scorer ranks it. */
export type Goal = PackIntent | 'goodbye';

/** One utterance, tokenised once for every matcher. */
export interface Utterance {
  text: string;
  /** Folded and stemmed words, what phrases are matched against. */
  tokens: string[];
  /** Stemmed words that carry meaning (no stopwords). */
  content: Set<string>;
  /** Lower-case words with their accents ("sí" is not "si"). */
  accented: string[];
}

/** A goal and the points the utterance gave it. */
export interface ScoredGoal {
  goal: Goal;
  score: number;
}

/** The service an utterance names best. */
export interface ServiceMatch {
  service: KnownService;
  score: number;
  /** Other services that scored the same and matched as much of their name: the caller has to choose. */
  tied: KnownService[];
}

/** The FAQ entry an utterance asks about best, with its score. */
export interface FaqMatch {
  entry: KnownFaq;
  score: number;
}

/** An {@link Utterance} whose accented words, which only a yes/no reading needs, are worked out when first asked for. */
class HeardUtterance implements Utterance {
  private accentedCache?: string[];

  constructor(
    readonly text: string,
    readonly tokens: string[],
    readonly content: Set<string>,
  ) {}

  get accented(): string[] {
    return (this.accentedCache ??= accentedWords(this.text));
  }
}

/** A score at or above which an FAQ entry is taken as what the caller asked. */
export const FAQ_THRESHOLD = 1.5;
/** A score at or above which the top goal is taken as what the caller wants. */
export const GOAL_THRESHOLD = 1;
/** Which goal wins a tie: the more urgent or more specific first. */
const GOAL_PRECEDENCE: readonly Goal[] = ['emergency', 'human', 'cancel', 'reschedule', 'book', 'message', 'hours', 'location', 'faq', 'goodbye'];
const GOAL_RANK = new Map(GOAL_PRECEDENCE.map((goal, index) => [goal, index]));
/** Each goal's place in {@link GOAL_PRECEDENCE} (-1 for one it does not list, as `indexOf` says). */
const precedence = (goal: Goal): number => GOAL_RANK.get(goal) ?? -1;

const cache = new WeakMap<AgentKnowledge, PreparedKnowledge>();

/** Indexes of one {@link AgentKnowledge} for the built-in engine; get one with {@link PreparedKnowledge.of}. */
export class PreparedKnowledge {
  private readonly stopwords: Set<string>;
  private readonly intentIndex: PhraseIndex<{ goal: LexiconIntent; weight: number }>;
  /** Words of the lexicon's phrases per goal ("leave", "message", "call", "back" for `message`). */
  private readonly goalWords: Map<LexiconIntent, Set<string>>;
  private readonly phrasings: { goal: PackIntent; content: Set<string> }[];
  /** For each content word, the phrasings that have it (indexes into `phrasings`). */
  private readonly phrasingsByWord: Map<string, number[]>;
  /** Words each phrasing shares with the utterance being scored: counted again on every call, never kept. */
  private readonly phrasingOverlaps: Uint16Array;
  private readonly emergencyIndex: PhraseIndex<string>;
  private readonly negations: Set<string>;
  private readonly serviceIndex: PhraseIndex<string>;
  private readonly serviceNameTokens: Map<string, Set<string>>;
  /** Each service's own keywords, to tell whether it was mentioned at all (the shared index keeps only the longest match). */
  private readonly serviceOwnIndex: Map<string, PhraseIndex<true>>;
  private readonly faqIndex: PhraseIndex<string>;
  private readonly faqQuestions: { entry: KnownFaq; content: Set<string> }[];
  /** For each content word, the FAQ questions that have it (indexes into `faqQuestions`). */
  private readonly faqQuestionsByWord: Map<string, number[]>;
  private readonly faqOverlaps: Uint16Array;
  private readonly questionTokenSpread: Map<string, number>;
  private readonly yesNoIndex: PhraseIndex<'yes' | 'no'>;
  private readonly firstWordYes: Set<string>;
  private readonly accentedYes: Set<string>;
  private readonly doneIndex: PhraseIndex<true>;
  private readonly backchannelIndex: PhraseIndex<true>;
  private readonly repeatIndex: PhraseIndex<true>;
  private readonly priceIndex: PhraseIndex<true>;
  private readonly howToIndex: PhraseIndex<true>;
  private readonly sameNumberIndex: PhraseIndex<true>;
  private readonly weekdayIndex: PhraseIndex<number>;
  private readonly ordinalIndex: PhraseIndex<number>;

  /** The prepared form of `knowledge`, built on first use and then shared. */
  static of(knowledge: AgentKnowledge): PreparedKnowledge {
    let prepared = cache.get(knowledge);
    if (!prepared) {
      prepared = new PreparedKnowledge(knowledge);
      cache.set(knowledge, prepared);
    }
    return prepared;
  }

  private constructor(readonly knowledge: AgentKnowledge) {
    const lexicon = lexiconFor(knowledge.locale);
    this.stopwords = new Set(lexicon.stopwords.flatMap((w) => matchTokens(w)));
    const flag = (phrases: readonly string[]) => new PhraseIndex<true>(phrases.map((p) => [p, true] as const));

    const intentEntries: [string, { goal: LexiconIntent; weight: number }][] = [];
    for (const goal of LEXICON_INTENTS) {
      const { strong, weak = [] } = lexicon.intents[goal];
      for (const [phrases, base] of [[strong, 2], [weak, 1]] as const) {
        for (const phrase of phrases) intentEntries.push([phrase, { goal, weight: base + 0.5 * (matchTokens(phrase).length - 1) }]);
      }
    }
    this.intentIndex = new PhraseIndex(intentEntries);
    this.goalWords = new Map(LEXICON_INTENTS.map((goal) => [goal, new Set(intentEntries.filter(([, v]) => v.goal === goal).flatMap(([p]) => matchTokens(p)))]));
    // Service words in an example phrasing are a slot, not the intent: "do you install EV chargers" is a question
    // because of "do you", not because of "EV charger".
    const serviceWords = new Set(knowledge.services.flatMap((s) => [s.name, ...s.keywords].flatMap((k) => matchTokens(k))));
    this.phrasings = Object.entries(knowledge.intents).flatMap(([goal, phrasings]) =>
      (phrasings ?? [])
        .map((p) => ({ goal: goal as PackIntent, content: new Set([...this.contentOf(matchTokens(p))].filter((t) => !serviceWords.has(t))) }))
        .filter((p) => p.content.size > 0),
    );
    this.phrasingsByWord = byWord(this.phrasings);
    this.phrasingOverlaps = new Uint16Array(this.phrasings.length);

    this.emergencyIndex = new PhraseIndex(knowledge.emergencyKeywords.map((k) => [k, k] as const));
    this.negations = new Set(lexicon.negations.flatMap((w) => matchTokens(w)));

    this.serviceIndex = new PhraseIndex(knowledge.services.flatMap((s) => s.keywords.map((k) => [k, s.id] as const)));
    this.serviceNameTokens = new Map(knowledge.services.map((s) => [s.id, this.contentOf(matchTokens(s.name))]));
    this.serviceOwnIndex = new Map(knowledge.services.map((s) => [s.id, flag(s.keywords)]));


    this.faqIndex = new PhraseIndex(knowledge.faq.flatMap((f) => f.keywords.map((k) => [k, f.id] as const)));
    this.faqQuestions = knowledge.faq.map((entry) => ({ entry, content: this.contentOf(matchTokens(entry.question)) }));
    this.questionTokenSpread = new Map();
    for (const { content } of this.faqQuestions) for (const token of content) this.questionTokenSpread.set(token, (this.questionTokenSpread.get(token) ?? 0) + 1);
    this.faqQuestionsByWord = byWord(this.faqQuestions);
    this.faqOverlaps = new Uint16Array(this.faqQuestions.length);

    this.yesNoIndex = new PhraseIndex([...lexicon.confirm.map((p) => [p, 'yes'] as const), ...lexicon.deny.map((p) => [p, 'no'] as const)]);
    this.firstWordYes = new Set(lexicon.confirmFirstWordOnly.flatMap((w) => matchTokens(w)));
    this.accentedYes = new Set(lexicon.confirmAccented.flatMap((w) => accentedWords(w)));
    this.doneIndex = flag(lexicon.done);
    this.backchannelIndex = flag(lexicon.backchannel);
    this.repeatIndex = flag(lexicon.repeat);
    this.priceIndex = flag(lexicon.price);
    this.howToIndex = flag(lexicon.howTo);
    this.sameNumberIndex = flag(lexicon.sameNumber);
    this.weekdayIndex = new PhraseIndex(lexicon.weekdays.flatMap((words, day) => words.map((w) => [w, day] as const)));
    this.ordinalIndex = new PhraseIndex(lexicon.ordinals.flatMap((words, index) => words.map((w) => [w, index] as const)));
  }

  /** Tokenises what the caller said. */
  utterance(text: string): Utterance {
    const tokens = foldedWords(text).map(stem);
    return new HeardUtterance(text, tokens, this.contentOf(tokens));
  }

  /** The emergency keyword the caller used, unless negated right before ("it's not an emergency"). */
  emergency(u: Utterance): string | null {
    for (const match of this.emergencyIndex.match(u.tokens)) {
      const before = u.tokens.slice(Math.max(0, match.start - 3), match.start);
      if (!before.some((t) => this.negations.has(t))) return match.values[0]!;
    }
    return null;
  }

  /**
   * Goals ranked by score, best first; only those that scored. `timeMentioned` (a day or a time in the
   * utterance) counts 1 towards booking: "do you have Thursday at 1 pm?" asks for a slot.
   */
  goals(u: Utterance, hints: { timeMentioned?: boolean } = {}): ScoredGoal[] {
    const scores = new Map<Goal, number>();
    const add = (goal: Goal, points: number) => scores.set(goal, (scores.get(goal) ?? 0) + points);
    for (const match of this.intentIndex.match(u.tokens)) for (const { goal, weight } of match.values) add(goal, weight);

    // Only the phrasings that share a word with the utterance can be close to it.
    const closest = new Map<PackIntent, number>();
    const overlaps = sharedWords(u.content, this.phrasingsByWord, this.phrasingOverlaps);
    for (let i = 0; i < overlaps.length; i++) {
      const overlap = overlaps[i]!;
      if (overlap === 0) continue;
      const phrasing = this.phrasings[i]!;
      const share = overlap / phrasing.content.size;
      const enough = phrasing.goal === 'emergency' ? overlap >= 2 && share >= 0.75 : (overlap >= 2 && share >= 0.5) || (phrasing.content.size === 1 && overlap === 1);
      if (enough) closest.set(phrasing.goal, Math.max(closest.get(phrasing.goal) ?? 0, 3 * share));
    }
    for (const [goal, points] of closest) add(goal, points);

    const price = this.asksPrice(u);
    if (price) add('faq', 1);
    // A service named while cancelling or moving describes the existing booking, not a new one.
    const changing = (scores.get('cancel') ?? 0) >= 2 || (scores.get('reschedule') ?? 0) >= 2;
    // Any keyword of a service names one (what `service(u)` would find, without ranking them).
    if (this.serviceIndex.has(u.tokens)) {
      if (price) add('faq', 1.5);
      else if (!changing) add('book', 1);
    }
    if (hints.timeMentioned && !changing) add('book', 1);
    const faq = this.faq(u);
    if (faq) {
      add('faq', Math.min(faq.score, 4));
      if (this.howToIndex.has(u.tokens)) add('faq', 2);
    }
    const ranked: ScoredGoal[] = [];
    for (const [goal, score] of scores) ranked.push({ goal, score });
    return ranked.sort((a, b) => b.score - a.score || precedence(a.goal) - precedence(b.goal));
  }

  /** The service the caller named, by its keywords; ties broken by how much of the service's name was said. */
  service(u: Utterance, among?: (service: KnownService) => boolean): ServiceMatch | null {
    const scores = this.serviceScores(u);
    if (scores.size === 0) return null;
    const ranked = this.knowledge.services
      .filter((s) => scores.has(s.id) && (!among || among(s)))
      .map((service) => {
        const name = this.serviceNameTokens.get(service.id)!;
        let said = 0;
        for (const token of name) if (u.content.has(token)) said++;
        return { service, score: scores.get(service.id)!, coverage: name.size ? said / name.size : 0 };
      })
      .sort((a, b) => b.score - a.score || b.coverage - a.coverage);
    const top = ranked[0];
    if (!top) return null;
    const tied = ranked.slice(1).filter((r) => r.score === top.score && r.coverage === top.coverage).map((r) => r.service);
    return { service: top.service, score: top.score, tied };
  }

  /** Each service's points from the keywords the caller used. */
  private serviceScores(u: Utterance): Map<string, number> {
    const scores = new Map<string, number>();
    for (const match of this.serviceIndex.match(u.tokens)) {
      // A single word of a service's name says less than a keyword the pack chose for it.
      const word = match.length === 1 ? u.tokens[match.start]! : null;
      for (const id of match.values) {
        const weight = word && this.serviceNameTokens.get(id)!.has(word) ? 0.5 : 1;
        scores.set(id, (scores.get(id) ?? 0) + (weight * match.length) / match.values.length);
      }
    }
    return scores;
  }

  /** Whether any keyword of the service occurs, even inside a longer keyword of another service. */
  mentionsService(u: Utterance, serviceId: string): boolean {
    return this.serviceOwnIndex.get(serviceId)?.has(u.tokens) ?? false;
  }

  /** The FAQ entry that best answers the caller, if one scores enough. */
  faq(u: Utterance): FaqMatch | null {
    const scores = new Map<string, number>();
    for (const match of this.faqIndex.match(u.tokens)) {
      for (const id of match.values) scores.set(id, (scores.get(id) ?? 0) + (2 * match.length) / match.values.length);
    }
    // An entry scores only from its keywords or from words its question shares with the utterance.
    const shared = sharedWords(u.content, this.faqQuestionsByWord, this.faqOverlaps);
    let best: FaqMatch | null = null;
    for (let i = 0; i < this.faqQuestions.length; i++) {
      const { entry, content } = this.faqQuestions[i]!;
      if (shared[i] === 0 && !scores.has(entry.id)) continue;
      let score = scores.get(entry.id) ?? 0;
      for (const token of content) if (u.content.has(token)) score += 0.75 / (this.questionTokenSpread.get(token) ?? 1);
      if (score >= FAQ_THRESHOLD && (!best || score > best.score)) best = { entry, score };
    }
    return best;
  }

  /** `yes`, `no`, or null when the caller said neither or both. */
  yesNo(u: Utterance): 'yes' | 'no' | null {
    let yes = (u.tokens.length > 0 && this.firstWordYes.has(u.tokens[0]!)) || u.accented.some((w) => this.accentedYes.has(w));
    let no = false;
    for (const match of this.yesNoIndex.match(u.tokens)) {
      if (match.values.includes('yes')) yes = true;
      if (match.values.includes('no')) no = true;
    }
    return yes === no ? null : yes ? 'yes' : 'no';
  }

  /** Whether the caller only made listening noises ("mm-hmm", "ok", "vale", "d'accord"). */
  onlyBackchannel(u: Utterance): boolean {
    if (u.tokens.length === 0) return true;
    let covered = 0;
    for (const match of this.backchannelIndex.match(u.tokens)) covered += match.length;
    return covered === u.tokens.length;
  }

  /** How many content words the caller said beyond the words of asking for `goal`: "I want to leave a message" says nothing to pass on. */
  substance(u: Utterance, goal: LexiconIntent): number {
    const words = this.goalWords.get(goal)!;
    let count = 0;
    for (const token of u.content) if (!words.has(token)) count++;
    return count;
  }

  /** "Sorry, can you repeat that?" with nothing else of substance (at most four words besides). */
  asksToRepeat(u: Utterance): boolean {
    const matches = this.repeatIndex.match(u.tokens);
    const covered = matches.reduce((n, m) => n + m.length, 0);
    return matches.length > 0 && u.tokens.length - covered <= 4;
  }

  /** "No, that's all", "non merci": nothing more. */
  saysDone(u: Utterance): boolean {
    return this.doneIndex.has(u.tokens);
  }

  asksPrice(u: Utterance): boolean {
    return this.priceIndex.has(u.tokens);
  }

  /** "This number", "the one I'm calling from". */
  meansSameNumber(u: Utterance): boolean {
    return this.sameNumberIndex.has(u.tokens);
  }

  /** A weekday named (0 = Monday), for hours questions. */
  weekday(u: Utterance): number | null {
    return this.weekdayIndex.match(u.tokens)[0]?.values[0] ?? null;
  }

  /** "The first one" → 0, "la segunda" → 1. */
  ordinal(u: Utterance): number | null {
    return this.ordinalIndex.match(u.tokens)[0]?.values[0] ?? null;
  }

  private contentOf(tokens: readonly string[]): Set<string> {
    return new Set(tokens.filter((t) => t.length > 1 && !this.stopwords.has(t)));
  }
}

/** For each word, the indexes of the items whose `content` has it. */
function byWord(items: readonly { content: ReadonlySet<string> }[]): Map<string, number[]> {
  const index = new Map<string, number[]>();
  items.forEach(({ content }, i) => {
    for (const word of content) {
      const list = index.get(word);
      if (list) list.push(i);
      else index.set(word, [i]);
    }
  });
  return index;
}

/** How many of `words` each indexed item has, counted into `shared` (one slot per item, overwritten). */
function sharedWords(words: ReadonlySet<string>, index: ReadonlyMap<string, readonly number[]>, shared: Uint16Array): Uint16Array {
  shared.fill(0);
  for (const word of words) {
    const items = index.get(word);
    if (items) for (const i of items) shared[i] = shared[i]! + 1;
  }
  return shared;
}
