import type { LoadedPack } from '@tero/core';

/**
 * A small profession pack in code, for engine tests that must not change when the real packs under
 * `profession-packs/` do: a physiotherapy practice with two bookable services, one that is not
 * bookable by phone, two FAQ entries, emergency words and intent phrasings in en, es and fr.
 */
export const SAMPLE_PACK: Pick<LoadedPack, 'id' | 'manifest' | 'prompts'> = {
  id: 'sample-physio',
  prompts: {
    en: 'You are {{agent.name}} at {{business.name}}.\n{{formatHours hours}}\n{{#each services}}{{name}}: {{formatMoney price}}\n{{/each}}',
    es: 'Usted es {{agent.name}} en {{business.name}}.\n{{formatHours hours}}',
    fr: 'Vous êtes {{agent.name}} chez {{business.name}}.\n{{#each hours}}{{day}} : {{formatHours this}}\n{{/each}}',
  },
  manifest: {
    id: 'sample-physio',
    version: '1.0.0',
    name: { en: 'Physiotherapy practice', es: 'Clínica de fisioterapia', fr: 'Cabinet de kinésithérapie' },
    locales: ['en', 'es', 'fr'],
    description: { en: 'Test pack.', es: 'Paquete de prueba.', fr: 'Pack de test.' },
    services: [
      {
        id: 'assessment',
        name: { en: 'First assessment', es: 'Primera evaluación', fr: 'Premier bilan' },
        durationMinutes: 60,
        priceMinor: 9000,
        bookable: true,
        bufferMinutes: 15,
        keywords: { en: ['assessment', 'evaluation', 'first visit'], es: ['evaluación', 'primera visita'], fr: ['bilan', 'première séance'] },
      },
      {
        id: 'massage',
        name: { en: 'Sports massage', es: 'Masaje deportivo', fr: 'Massage sportif' },
        durationMinutes: 30,
        priceMinor: 5500,
        bookable: true,
        keywords: { en: ['massage', 'sore muscles'], es: ['masaje', 'contractura'], fr: ['massage', 'courbatures'] },
      },
      {
        id: 'home-visit',
        name: { en: 'Home visit', es: 'Visita a domicilio', fr: 'Visite à domicile' },
        durationMinutes: 60,
        priceMinor: 15000,
        bookable: false,
        keywords: { en: ['home visit', 'at home'], es: ['a domicilio'], fr: ['à domicile'] },
      },
    ],
    faq: [
      {
        id: 'insurance',
        question: { en: 'Do you take insurance?', es: '¿Aceptan seguros?', fr: 'Acceptez-vous les mutuelles ?' },
        answer: {
          en: 'We bill most insurers directly; bring your card to your first visit.',
          es: 'Facturamos directamente a la mayoría de las aseguradoras; traiga su tarjeta a la primera visita.',
          fr: 'Nous facturons directement la plupart des mutuelles ; apportez votre carte à la première séance.',
        },
        keywords: { en: ['insurance', 'insurer'], es: ['seguro', 'aseguradora'], fr: ['mutuelle', 'assurance'] },
      },
      {
        id: 'clothing',
        question: { en: 'What should I wear?', es: '¿Qué ropa debo llevar?', fr: 'Comment dois-je m’habiller ?' },
        answer: {
          en: 'Wear loose, comfortable clothes you can move in.',
          es: 'Lleve ropa cómoda y holgada con la que pueda moverse.',
          fr: 'Portez des vêtements amples et confortables.',
        },
        keywords: { en: ['wear', 'clothes'], es: ['ropa'], fr: ['vêtements', 'habiller'] },
      },
    ],
    emergencyKeywords: { en: ['chest pain', 'fainted', 'emergency'], es: ['dolor en el pecho', 'urgencia'], fr: ['douleur à la poitrine', 'urgence'] },
    emergencyPolicy: {
      action: 'transfer',
      say: { en: 'Please hold, I am putting you through to the therapist on call.', es: 'No cuelgue, le paso con el fisioterapeuta de guardia.', fr: 'Ne quittez pas, je vous passe le kiné de garde.' },
    },
    hours: {
      mon: [['09:00', '12:00'], ['14:00', '18:00']],
      tue: [['09:00', '12:00'], ['14:00', '18:00']],
      wed: [['09:00', '12:00'], ['14:00', '18:00']],
      thu: [['09:00', '12:00'], ['14:00', '18:00']],
      fri: [['09:00', '13:00']],
      sat: [],
      sun: [],
    },
    capacity: 1,
    prompts: { en: 'prompts/en.hbs', es: 'prompts/es.hbs', fr: 'prompts/fr.hbs' },
    greeting: {
      en: 'Thanks for calling {{business.name}}, this is {{agent.name}}. How can I help?',
      es: 'Gracias por llamar a {{business.name}}, le atiende {{agent.name}}. ¿En qué puedo ayudarle?',
      fr: '{{business.name}}, bonjour, {{agent.name}} à votre écoute.',
    },
    intents: {
      book: { en: ['I would like to see a physio'], es: ['quiero ver a un fisioterapeuta'], fr: ['je voudrais voir un kiné'] },
      faq: { en: ['do you bill my insurer'], es: ['¿trabajan con mi aseguradora?'], fr: ['vous prenez ma mutuelle ?'] },
    },
  },
};
