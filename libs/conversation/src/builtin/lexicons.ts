/**
 * The built-in engine's generic vocabulary per language: what any caller of any business says to book,
 * cancel, ask the hours, agree, refuse or say goodbye. Pure data, no logic: the profession pack adds its
 * own phrasings, services and FAQ keywords on top (see `prepared-knowledge.ts`).
 *
 * Phrases are compared after folding (lower case, no accents, punctuation as spaces, a trailing `s`
 * dropped from longer words), so "d'accord", "D’accord" and "d accord" are one entry.
 */

/** Intents the generic vocabulary recognises; emergencies come from the pack's keywords only. */
export const LEXICON_INTENTS = ['book', 'reschedule', 'cancel', 'hours', 'faq', 'location', 'message', 'human', 'goodbye'] as const;
/** A goal the generic vocabulary knows words for. */
export type LexiconIntent = (typeof LEXICON_INTENTS)[number];

/** One language's vocabulary. Every list is phrases, compared folded (see the file's comment). */
export interface BuiltinLexicon {
  /** Phrases per intent. `strong` ones weigh 2 and `weak` ones 1, plus half a point per extra word. */
  intents: Record<LexiconIntent, { strong: string[]; weak?: string[] }>;
  /** Agreement to a yes/no question ("yes", "that works", "please book it"). */
  confirm: string[];
  /** Agreement words that count only as the first word ("si" is also "if" in Spanish). */
  confirmFirstWordOnly: string[];
  /** Agreement words that count only written with their accents ("sí", not "si"), anywhere. */
  confirmAccented: string[];
  /** Refusal to a yes/no question. */
  deny: string[];
  /** Nothing more, in answer to "anything else?". */
  done: string[];
  /** Sounds and words that only show the caller is listening; alone, they answer nothing. */
  backchannel: string[];
  /** "Sorry, can you repeat that?": the agent says its question again. */
  repeat: string[];
  /** Greetings, removed before looking for a time ("buenas tardes" is no afternoon). */
  greetings: string[];
  /** Words that negate the emergency keyword right after them ("it's not an emergency"). */
  negations: string[];
  /** Words of a price question. */
  price: string[];
  /** Question forms asking how something works: they prefer an FAQ answer over starting a task. */
  howTo: string[];
  /** "This number", "the one I'm calling from": the caller id is the callback number. */
  sameNumber: string[];
  /** "The first one", "the second"… when picking among bookings or slots. */
  ordinals: string[][];
  /** Weekday words, Monday first, for hours questions ("on Saturdays"). */
  weekdays: string[][];
  /** Spoken digits. */
  digits: Record<string, string>;
  /** Words that carry no meaning for matching questions and phrasings. */
  stopwords: string[];
  /** Words said around a bare name ("it's", "yes", "well"), dropped when a name is all that was asked. */
  nameFillers: string[];
  time: {
    /** Parts of the day. */
    parts: Record<'morning' | 'afternoon' | 'evening', string[]>;
    /** Parts of today ("this afternoon", "tonight"). */
    todayParts: Record<'morning' | 'afternoon' | 'evening', string[]>;
    today: string[];
    tomorrow: string[];
    afterTomorrow: string[];
    /** The earliest free time. */
    asap: string[];
    /** The first time of the day. */
    firstThing: string[];
    /** Rewrites for what chrono-node misses: `[pattern source, replacement]`, applied in order (flags `giu`). */
    rewrites: [string, string][];
    /** "after 3", "después de las 3": pattern sources whose group 1 is the hour and group 2 the minutes. */
    after: string[];
    before: string[];
  };
}

const en: BuiltinLexicon = {
  intents: {
    book: {
      strong: [
        'book',
        'make an appointment',
        'schedule',
        'schedule an appointment',
        'set up an appointment',
        'reserve',
        'reservation',
        'come in',
        'get in',
        'fit me in',
        'see the',
        'availability',
        'next available',
        'any openings',
        'someone come',
        'somebody come',
        'someone to come',
        'send someone',
        'send somebody',
        'come out',
        'come over',
        'can you come',
        'could you come',
        'anything open',
        'anything available',
        'something open',
        'something available',
        'have anything',
        'any availability',
      ],
      weak: ['appointment', 'booking', 'available', 'slot', 'visit', 'come by', 'sign up', 'need a', 'get a', 'see it', 'take a look', 'interested in'],
    },
    reschedule: {
      strong: [
        'reschedule',
        'rebook',
        'move my',
        'change my',
        'move the',
        'move my appointment',
        'move the appointment',
        'move it',
        'change my appointment',
        'change the appointment',
        'change the time',
        'change the date',
        'different time',
        'different day',
        'another day',
        'another time',
        'push it back',
        'postpone',
        'bring it forward',
      ],
      weak: ['move', 'instead'],
    },
    cancel: {
      strong: ['cancel', 'cancel it', 'cancellation', 'cancel my appointment', 'call off', 'can t make it', 'won t make it', 'can t come', 'won t be able to come'],
    },
    hours: {
      strong: [
        'hours',
        'opening hours',
        'business hours',
        'open',
        'opened',
        'close',
        'closed',
        'closing',
        'what time do you',
        'until what time',
        'how late',
        'how early',
        'when are you',
      ],
    },
    location: {
      strong: [
        'address',
        'where are you',
        'where is the',
        'where s the',
        'where s your',
        'where is your',
        'located',
        'location',
        'directions',
        'how do i get there',
        'how do i find you',
        'find you',
      ],
      weak: ['near', 'nearby'],
    },
    faq: {
      strong: ['question', 'i was wondering', 'can you tell me', 'do you take', 'do you accept', 'do you offer', 'how much'],
      weak: ['is there', 'are there', 'do you', 'does it', 'is it', 'do you do', 'price', 'cost', 'fee'],
    },
    message: {
      strong: [
        'message',
        'leave a message',
        'take a message',
        'call me back',
        'call back',
        'callback',
        'get back to me',
        'have someone call',
        'someone call me',
        'pass on',
        'let them know',
        'tell the',
        'speak to the',
        'speak with the',
        'talk to the',
        'talk with the',
        'reach the',
      ],
      weak: ['speak to', 'talk to', 'speak with', 'talk with'],
    },
    human: {
      strong: [
        'person',
        'a person',
        'real person',
        'human',
        'someone',
        'somebody',
        'anyone',
        'receptionist',
        'operator',
        'representative',
        'front desk',
        'staff member',
        'live agent',
        'an agent',
        'transfer me',
        'put me through',
      ],
    },
    goodbye: { strong: ['bye', 'goodbye', 'good bye', 'bye bye', 'hang up', 'talk to you later'] },
  },
  confirm: [
    'yes',
    'yeah',
    'yep',
    'yup',
    'yes please',
    'sure',
    'ok sure',
    'okay sure',
    'sure thing',
    'of course',
    'please do',
    'go ahead',
    'go for it',
    'sounds good',
    'sounds great',
    'that works',
    'works for me',
    'that s fine',
    'fine',
    'great',
    'perfect',
    'correct',
    'that s correct',
    'that s right',
    'exactly',
    'absolutely',
    'definitely',
    'please book it',
    'book it',
    'do it',
    'let s do it',
    'that ll work',
    'that will work',
    'i d like that',
    'i would like that',
    'that d be great',
    'yes please book it',
    'no problem',
    'not a problem',
  ],
  confirmFirstWordOnly: [],
  confirmAccented: [],
  deny: [
    'no',
    'nope',
    'nah',
    'not really',
    'no thanks',
    'no thank you',
    'rather not',
    'i d rather not',
    'that doesn t work',
    'doesn t work',
    'that won t work',
    'not good',
    'wrong',
    'that s wrong',
    'not right',
    'that s not right',
    'incorrect',
    'not that',
    'don t',
  ],
  done: [
    'no',
    'nope',
    'no thanks',
    'no thank you',
    'that s all',
    'that s it',
    'that is all',
    'nothing else',
    'i m good',
    'i m all set',
    'all set',
    'all good',
    'that will be all',
    'that ll be all',
    'i m fine',
    'we re good',
    'that was it',
    'no that s all',
    'no that s it',
    'thanks',
    'thank you',
    'ok thanks',
    'great thanks',
    'perfect thanks',
  ],
  backchannel: ['mm', 'mmm', 'hmm', 'hm', 'mhm', 'mm hmm', 'uh', 'uh huh', 'um', 'uhm', 'er', 'ok', 'okay', 'alright', 'all right', 'right', 'i see', 'got it', 'aha', 'ah', 'oh', 'well', 'so'],
  repeat: ['repeat', 'repeat that', 'say that again', 'come again', 'pardon', 'what was that', 'sorry what', 'i didn t catch that', 'i didn t hear'],
  greetings: ['good morning', 'good afternoon', 'good evening', 'good day'],
  negations: ['not', 'no', 'never', 'isn', 'aren', 'wasn', 'don', 'doesn', 'nothing'],
  price: ['how much', 'price', 'prices', 'pricing', 'cost', 'costs', 'charge', 'fee', 'fees', 'rate', 'rates', 'quote', 'expensive', 'cheap'],
  howTo: [
    'how do i',
    'how can i',
    'how should i',
    'how does it work',
    'what s your policy',
    'what is your policy',
    'what is the policy',
    'what happens if',
    'do i need to',
    'what do i need to',
  ],
  sameNumber: [
    'this number',
    'this one',
    'same number',
    'the number i m calling from',
    'the one i m calling from',
    'number i m calling from',
    'calling from',
    'that number',
    'that one',
    'the same',
  ],
  ordinals: [
    ['first', 'first one', 'the first', 'earlier one'],
    ['second', 'second one', 'the second', 'later one'],
    ['third', 'third one', 'the third'],
  ],
  weekdays: [
    ['monday', 'mon'],
    ['tuesday', 'tue', 'tues'],
    ['wednesday', 'wed'],
    ['thursday', 'thu', 'thurs'],
    ['friday', 'fri'],
    ['saturday', 'sat'],
    ['sunday', 'sun'],
  ],
  digits: { zero: '0', oh: '0', o: '0', one: '1', two: '2', three: '3', four: '4', five: '5', six: '6', seven: '7', eight: '8', nine: '9' },
  stopwords: [
    'a', 'an', 'the', 'i', 'me', 'my', 'you', 'your', 'we', 'our', 'us', 'is', 'are', 'am', 'be', 'was', 'do', 'does', 'did', 'to',
    'of', 'in', 'on', 'at', 'for', 'with', 'and', 'or', 'it', 'its', 'this', 'that', 'can', 'could', 'would', 'will', 'what', 'how',
    'when', 'where', 'there', 'have', 'has', 'get', 'please', 'hi', 'hello', 's', 'd', 't', 'll', 'm', 're', 've', 'if', 'so',
    'just', 'about', 'any', 'some', 'like', 'want', 'need', 'also', 'and', 'but', 'them', 'they', 'he', 'she', 'his', 'her', 'from',
    'there', 'then', 'yes', 'no', 'ok', 'okay', 'thanks', 'thank', 'hey', 'um', 'uh', 'well', 'should', 'may', 'might', 'which',
    'who', 'up', 'out', 'by', 'as', 'into', 'over', 'again', 'still', 'really', 'very', 'much', 'many', 'know', 'tell', 'ask',
  ],
  nameFillers: ['well', 'so', 'um', 'uh', 'yes', 'yeah', 'sure', 'ok', 'okay', 'it', 's', 'its', 'is', 'this', 'my', 'name', 'i', 'm', 'am', 'the', 'hi', 'hello', 'it s', 'for', 'me', 'it s for', 'of', 'course'],
  time: {
    parts: {
      morning: ['in the morning', 'mornings', 'morning'],
      afternoon: ['in the afternoon', 'afternoons', 'afternoon', 'after lunch'],
      evening: ['in the evening', 'evenings', 'evening', 'after work', 'end of the day', 'late afternoon'],
    },
    todayParts: { morning: ['this morning'], afternoon: ['this afternoon'], evening: ['this evening', 'tonight'] },
    today: ['today'],
    tomorrow: ['tomorrow'],
    afterTomorrow: ['the day after tomorrow', 'day after tomorrow'],
    asap: ['any time', 'anytime', 'whenever', 'as soon as possible', 'asap', 'a s a p', 'the earliest', 'earliest', 'soonest', 'first available', 'next available', 'as early as possible'],
    firstThing: ['first thing in the morning', 'first thing', 'early in the morning', 'early morning', 'first appointment of the day'],
    rewrites: [
      ['half past (\\d{1,2})', '$1:30'],
      ['quarter past (\\d{1,2})', '$1:15'],
    ],
    after: ['(?:any ?time |sometime )?(?:after|from|past) (\\d{1,2})(?::(\\d{2}))?'],
    before: ['(?:any ?time )?before (\\d{1,2})(?::(\\d{2}))?'],
  },
};

const es: BuiltinLexicon = {
  intents: {
    book: {
      strong: [
        'pedir cita',
        'pedir una cita',
        'pedir hora',
        'reservar',
        'reserva',
        'reservarme',
        'agendar',
        'programar',
        'turno',
        'disponibilidad',
        'hueco',
        'me gustaría ir',
        'quiero ir',
        'que venga',
        'que vengan',
        'pueden venir',
        'puede venir',
        'mandar a alguien',
        'manden a alguien',
        'que revisen',
        'que alguien venga',
      ],
      weak: ['cita', 'una cita', 'disponible', 'hora para', 'apuntarme', 'pasar', 'algo libre', 'verla', 'verlo', 'interesado en', 'interesada en'],
    },
    reschedule: {
      strong: [
        'cambiar la cita',
        'cambiar mi cita',
        'mover la cita',
        'mover mi cita',
        'reprogramar',
        'aplazar',
        'posponer',
        'cambiarla',
        'moverla',
        'otro día',
        'otra hora',
        'cambiar la hora',
        'cambiar el día',
        'adelantar',
      ],
    },
    cancel: {
      strong: ['cancelar', 'anular', 'cancelación', 'cancelarla', 'anularla', 'cancélela', 'cancélelo', 'anúlela', 'anúlelo', 'no puedo ir', 'no voy a poder ir', 'no podré ir'],
    },
    hours: {
      strong: ['horario', 'horarios', 'abren', 'abierto', 'abiertos', 'abierta', 'cierran', 'cerrado', 'cerrados', 'a qué hora', 'hasta qué hora', 'hora de apertura', 'hora de cierre'],
      weak: ['atienden', 'trabajan'],
    },
    location: {
      strong: ['dónde están', 'dónde se encuentran', 'dónde queda', 'dónde está la', 'dónde está el', 'dirección', 'ubicación', 'ubicados', 'cómo llego', 'cómo llegar', 'cómo se llega'],
      weak: ['cerca'],
    },
    faq: {
      strong: ['pregunta', 'una duda', 'quería saber', 'quisiera saber', 'me puede decir', 'aceptan', 'ofrecen', 'cuánto cuesta', 'cuánto'],
      weak: ['hay', 'se puede', 'es posible', 'hacen', 'venden', 'precio', 'cuesta'],
    },
    message: {
      strong: [
        'mensaje',
        'dejar un mensaje',
        'dejar recado',
        'recado',
        'que me llame',
        'que me llamen',
        'me llame',
        'me llamen',
        'devolver la llamada',
        'me devuelva la llamada',
        'me devuelvan la llamada',
        'llamarme',
        'hablar con el',
        'hablar con la',
        'que me contacte',
        'que me contacten',
        'avisar',
        'dígale',
        'díganle',
      ],
      weak: ['hablar con'],
    },
    human: {
      strong: ['persona', 'una persona', 'alguien', 'persona real', 'humano', 'recepcionista', 'operador', 'operadora', 'atención al cliente', 'un agente', 'pásame con', 'páseme con', 'transfiérame'],
    },
    goodbye: { strong: ['adiós', 'hasta luego', 'chao', 'chau', 'nos vemos', 'hasta pronto', 'hasta la próxima'] },
  },
  confirm: [
    'sí por favor',
    'claro',
    'claro que sí',
    'por supuesto',
    'perfecto',
    'de acuerdo',
    'está bien',
    'me parece bien',
    'me viene bien',
    'me va bien',
    'correcto',
    'eso es',
    'exacto',
    'exactamente',
    'adelante',
    'muy bien',
    'genial',
    'vale perfecto',
    'sí vale',
    'vale sí',
    'resérvela',
    'resérvelo',
    'resérvemela',
    'resérvemelo',
    'reservela',
    'hágalo',
    'dale',
    'sí gracias',
    'sí reserve',
    'no hay problema',
  ],
  confirmFirstWordOnly: ['si'],
  confirmAccented: ['sí'],
  deny: ['no', 'no gracias', 'para nada', 'mejor no', 'no me viene bien', 'no me va bien', 'no me sirve', 'incorrecto', 'no es correcto', 'tampoco', 'no es así'],
  done: ['no', 'no gracias', 'nada más', 'nada más gracias', 'eso es todo', 'es todo', 'estoy bien', 'ya está', 'con eso es suficiente', 'eso sería todo', 'no eso es todo', 'gracias', 'muchas gracias', 'vale gracias', 'perfecto gracias'],
  backchannel: ['vale', 'ajá', 'aja', 'mm', 'mmm', 'hmm', 'eh', 'este', 'bueno', 'ok', 'okey', 'ya', 'ah', 'oh', 'pues', 'entiendo'],
  repeat: ['repetir', 'repita', 'repítalo', 'cómo dice', 'perdón', 'no le he oído', 'no le oí', 'no le entendí', 'puede repetir'],
  greetings: ['buenos días', 'buenas tardes', 'buenas noches', 'buen día', 'buenas'],
  negations: ['no', 'nunca', 'ni', 'sin', 'tampoco'],
  price: ['cuánto', 'cuánto cuesta', 'cuánto vale', 'cuánto sale', 'precio', 'precios', 'coste', 'costo', 'cuesta', 'tarifa', 'tarifas', 'cobran', 'caro', 'barato'],
  howTo: ['cómo puedo', 'cómo hago', 'cómo se', 'cómo funciona', 'qué pasa si', 'qué hago para', 'cuál es la política', 'tengo que'],
  sameNumber: ['este número', 'este mismo', 'el mismo', 'el mismo número', 'desde el que llamo', 'del que llamo', 'este', 'ese número', 'ese'],
  ordinals: [
    ['primera', 'primero', 'la primera', 'el primero'],
    ['segunda', 'segundo', 'la segunda', 'el segundo'],
    ['tercera', 'tercero', 'la tercera', 'el tercero'],
  ],
  weekdays: [['lunes'], ['martes'], ['miércoles'], ['jueves'], ['viernes'], ['sábado', 'sábados'], ['domingo', 'domingos']],
  digits: { cero: '0', uno: '1', una: '1', dos: '2', tres: '3', cuatro: '4', cinco: '5', seis: '6', siete: '7', ocho: '8', nueve: '9' },
  stopwords: [
    'el', 'la', 'los', 'las', 'un', 'una', 'unos', 'unas', 'de', 'del', 'a', 'al', 'en', 'y', 'o', 'que', 'me', 'mi', 'mis', 'su',
    'sus', 'tu', 'se', 'es', 'son', 'lo', 'le', 'les', 'por', 'para', 'con', 'sin', 'hay', 'hola', 'queria', 'quiero', 'quisiera',
    'puedo', 'pueden', 'puede', 'usted', 'ustedes', 'este', 'esta', 'eso', 'esto', 'como', 'cuando', 'donde', 'tengo', 'tiene',
    'tienen', 'muy', 'mas', 'ya', 'tambien', 'favor', 'si', 'no', 'gracias', 'bueno', 'pues', 'nos', 'yo', 'ser', 'estar', 'hacer',
    'saber', 'decir', 'cual', 'quien', 'algo', 'todo', 'otra', 'otro', 'vez',
  ],
  nameFillers: ['bueno', 'pues', 'sí', 'si', 'vale', 'claro', 'soy', 'me', 'llamo', 'mi', 'nombre', 'es', 'de', 'parte', 'habla', 'hola', 'para', 'mí', 'yo', 'a', 'nombre'],
  time: {
    parts: {
      morning: ['por la mañana', 'de la mañana', 'en la mañana', 'a la mañana', 'por las mañanas'],
      afternoon: ['por la tarde', 'de la tarde', 'en la tarde', 'a la tarde', 'por las tardes', 'después de comer'],
      evening: ['por la noche', 'de la noche', 'en la noche', 'por las noches', 'a última hora'],
    },
    todayParts: { morning: ['esta mañana'], afternoon: ['esta tarde'], evening: ['esta noche'] },
    today: ['hoy'],
    tomorrow: ['mañana'],
    afterTomorrow: ['pasado mañana'],
    asap: ['cuando sea', 'a cualquier hora', 'lo antes posible', 'cuanto antes', 'lo más pronto posible', 'lo más pronto', 'la primera disponible', 'el primer hueco', 'lo primero que tenga', 'lo primero que haya'],
    firstThing: ['a primera hora de la mañana', 'a primera hora', 'primera hora', 'temprano por la mañana'],
    rewrites: [
      ['(\\d{1,2})\\s+y\\s+media', '$1:30'],
      ['(\\d{1,2})\\s+y\\s+cuarto', '$1:15'],
    ],
    after: ['(?:después de las?|a partir de las?|desde las?|más tarde de las?) (\\d{1,2})(?::(\\d{2}))?'],
    before: ['(?:antes de las?) (\\d{1,2})(?::(\\d{2}))?'],
  },
};

const fr: BuiltinLexicon = {
  intents: {
    book: {
      strong: [
        'prendre rendez vous',
        'rdv',
        'réserver',
        'réservation',
        'me réserver',
        'disponibilité',
        'créneau',
        'un créneau',
        'une place',
        'prendre un rendez vous',
        'envoyer quelqu un',
        'quelqu un passe',
        'quelqu un vienne',
        'pourriez passer',
        'pouvez passer',
        'pourriez venir',
        'pouvez venir',
      ],
      weak: ['rendez vous', 'un rendez vous', 'disponible', 'passer', 'venir', 'de la place', 'le voir', 'la voir', 'intéressé par', 'intéressée par'],
    },
    reschedule: {
      strong: [
        'déplacer',
        'décaler',
        'reporter',
        'changer mon rendez vous',
        'changer le rendez vous',
        'modifier mon rendez vous',
        'modifier le rendez vous',
        'un autre jour',
        'une autre heure',
        'avancer mon rendez vous',
        'le déplacer',
        'le décaler',
      ],
    },
    cancel: { strong: ['annuler', 'annulez', 'annulez le', 'annulez la', 'annulation', 'l annuler', 'je ne peux pas venir', 'je ne pourrai pas venir', 'je ne pourrai pas être là'] },
    hours: {
      strong: [
        'horaires',
        'heures d ouverture',
        'ouvert',
        'ouverts',
        'ouverte',
        'ouvrez',
        'fermé',
        'fermés',
        'fermez',
        'à quelle heure',
        'jusqu à quelle heure',
        'quand êtes vous',
      ],
    },
    location: {
      strong: [
        'adresse',
        'où êtes vous',
        'où vous trouvez vous',
        'où se trouve',
        'où est ce que vous êtes',
        'où êtes vous situés',
        'situé',
        'situés',
        'comment venir',
        'comment vous trouver',
        'itinéraire',
        'localisation',
      ],
      weak: ['près', 'proche'],
    },
    faq: {
      strong: ['question', 'je voudrais savoir', 'je voulais savoir', 'est ce que vous acceptez', 'acceptez vous', 'proposez vous', 'est ce que vous proposez', 'combien'],
      weak: ['y a t il', 'est ce qu il y a', 'est ce que vous', 'est ce qu on peut', 'vous faites', 'vous vendez', 'prix', 'tarif'],
    },
    message: {
      strong: [
        'message',
        'laisser un message',
        'prendre un message',
        'me rappeler',
        'rappeler',
        'rappelle',
        'rappelez moi',
        'qu on me rappelle',
        'qu il me rappelle',
        'qu elle me rappelle',
        'transmettre',
        'parler au',
        'parler à la',
        'parler avec le',
        'parler avec la',
        'recontacter',
      ],
      weak: ['parler à', 'parler avec'],
    },
    human: {
      strong: [
        'personne',
        'une personne',
        'quelqu un',
        'un humain',
        'une vraie personne',
        'le secrétariat',
        'la secrétaire',
        'le standard',
        'un conseiller',
        'une conseillère',
        'l accueil',
        'un opérateur',
        'passez moi',
        'me passer',
      ],
    },
    goodbye: { strong: ['au revoir', 'à bientôt', 'bonne journée', 'bonne soirée', 'à plus tard'] },
  },
  confirm: [
    'oui',
    'ouais',
    'oui merci',
    'oui s il vous plaît',
    'bien sûr',
    'parfait',
    'c est parfait',
    'c est bon',
    'ça marche',
    'ça me va',
    'ça me convient',
    'allez y',
    'volontiers',
    'exactement',
    'tout à fait',
    'très bien',
    'entendu',
    'avec plaisir',
    'c est ça',
    'oui c est ça',
    'oui d accord',
    'd accord oui',
    'vous pouvez réserver',
    'réservez',
    'réservez le',
    'je confirme',
    'c est correct',
    'pas de problème',
    'pas de souci',
  ],
  confirmFirstWordOnly: [],
  confirmAccented: [],
  deny: ['non', 'non merci', 'pas vraiment', 'ça ne va pas', 'ça ne me va pas', 'ça ne marche pas', 'ce n est pas ça', 'pas du tout', 'ce n est pas bon', 'plutôt pas'],
  done: ['non', 'non merci', 'c est tout', 'ce sera tout', 'rien d autre', 'ça ira', 'c est bon merci', 'non c est tout', 'ça sera tout', 'non ça ira', 'merci', 'merci beaucoup', 'd accord merci', 'parfait merci'],
  backchannel: ['d accord', 'ok', 'okay', 'hm', 'hmm', 'mm', 'euh', 'ah', 'oh', 'ben', 'bon', 'alors', 'voilà', 'je vois', 'bah'],
  repeat: ['répéter', 'répétez', 'pardon', 'vous pouvez répéter', 'je n ai pas entendu', 'je n ai pas compris', 'vous dites'],
  greetings: ['bonjour', 'bonsoir', 'bonne après midi'],
  negations: ['pas', 'ne', 'n', 'jamais', 'aucun', 'aucune', 'sans', 'non'],
  price: ['combien', 'combien ça coûte', 'prix', 'tarif', 'tarifs', 'coût', 'coûte', 'cher', 'devis'],
  howTo: ['comment', 'comment faire', 'comment est ce que je peux', 'que se passe t il si', 'qu est ce qui se passe si', 'quelle est votre politique', 'est ce que je dois', 'faut il'],
  sameNumber: ['ce numéro', 'ce numéro là', 'le même', 'le même numéro', 'celui ci', 'celui là', 'celui avec lequel j appelle', 'd où j appelle', 'le numéro d où j appelle'],
  ordinals: [
    ['premier', 'première', 'le premier', 'la première'],
    ['deuxième', 'second', 'seconde', 'le deuxième', 'la deuxième'],
    ['troisième', 'le troisième', 'la troisième'],
  ],
  weekdays: [['lundi'], ['mardi'], ['mercredi'], ['jeudi'], ['vendredi'], ['samedi'], ['dimanche']],
  digits: { zéro: '0', un: '1', une: '1', deux: '2', trois: '3', quatre: '4', cinq: '5', six: '6', sept: '7', huit: '8', neuf: '9' },
  stopwords: [
    'le', 'la', 'les', 'l', 'un', 'une', 'des', 'de', 'du', 'd', 'a', 'au', 'aux', 'en', 'et', 'ou', 'que', 'qu', 'qui', 'je', 'j',
    'me', 'm', 'mon', 'ma', 'mes', 'vous', 'votre', 'vos', 'nous', 'il', 'elle', 'on', 'est', 'ce', 'c', 'ca', 'sa', 'son', 'ses',
    'se', 's', 'y', 'pour', 'par', 'avec', 'sur', 'dans', 'pas', 'ne', 'n', 'bonjour', 'suis', 'etre', 'avoir', 'ai', 'avez',
    'peux', 'pouvez', 'voudrais', 'veux', 'faire', 'plus', 'oui', 'non', 'merci', 'alors', 'bon', 'tres', 'aussi', 'si', 'est ce',
    'quoi', 'quel', 'quelle', 'tout', 'toute', 'cela', 'ceci',
  ],
  nameFillers: ['oui', 'alors', 'bon', 'euh', 'c', 'est', 'je', 'suis', 'm', 'appelle', 'mon', 'nom', 'ici', 'de', 'la', 'part', 'pour', 'moi', 'bonjour', 'moi c est'],
  time: {
    parts: {
      morning: ['dans la matinée', 'en matinée', 'le matin', 'du matin', 'matinée', 'matin'],
      afternoon: ['dans l après midi', 'en début d après midi', 'l après midi', 'de l après midi', 'après midi', 'aprem'],
      evening: ['en fin de journée', 'en fin d après midi', 'en soirée', 'le soir', 'du soir', 'soir'],
    },
    todayParts: { morning: ['ce matin'], afternoon: ['cet après midi'], evening: ['ce soir'] },
    today: ['aujourd hui'],
    tomorrow: ['demain'],
    afterTomorrow: ['après demain'],
    asap: ['n importe quand', 'quand vous voulez', 'dès que possible', 'le plus tôt possible', 'au plus tôt', 'au plus vite', 'le plus vite possible', 'le premier créneau', 'la première disponibilité', 'le premier disponible'],
    firstThing: ['à la première heure', 'tôt le matin', 'en tout début de matinée', 'en début de matinée'],
    rewrites: [
      ['(\\d{1,2})\\s*h(?:eures?)?\\s+et\\s+demie', '$1h30'],
      ['(\\d{1,2})\\s*h(?:eures?)?\\s+et\\s+quart', '$1h15'],
      ['(\\d{1,2})\\s*heures?(?:\\s*(\\d{2}))?', '$1h$2'],
      ['\\bvers\\s+(\\d{1,2})', 'à $1'],
      ['(?<!apr[eè]s[\\s\\-])\\bmidi\\b', '12h'],
    ],
    after: ['(?:après|à partir de|dès|passé) (\\d{1,2})\\s*h(?:eures?)?\\s*(\\d{2})?'],
    before: ['(?:avant) (\\d{1,2})\\s*h(?:eures?)?\\s*(\\d{2})?'],
  },
};

/** The vocabularies by language code. */
export const LEXICONS: Readonly<Record<'en' | 'es' | 'fr', BuiltinLexicon>> = { en, es, fr };

/** The vocabulary of a locale (`es-MX` → `es`), English when there is none. */
export function lexiconFor(locale: string): BuiltinLexicon {
  const base = locale.split('-')[0] as keyof typeof LEXICONS;
  return LEXICONS[base] ?? LEXICONS.en;
}
