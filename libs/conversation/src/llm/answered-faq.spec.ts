import type { KnownFaq } from '../engine.port';
import { answeredFaq } from './answered-faq';

const faq: KnownFaq[] = [
  {
    id: 'parking',
    question: 'Is there parking?',
    answer: 'Yes, there is free parking for patients right in front of the building, including accessible spaces.',
    keywords: [],
  },
  {
    id: 'payment-plans',
    question: 'Do you offer payment plans?',
    answer: 'We accept cash, debit and all major credit cards. For treatments over $500 we offer interest-free monthly payment plans.',
    keywords: [],
  },
];

describe('answeredFaq', () => {
  it('recognises an answer given word for word or rephrased with its facts', () => {
    expect(answeredFaq(`${faq[0].answer} Anything else?`, faq, 'en')?.id).toBe('parking');
    expect(answeredFaq('Sure: we take cash, debit and major credit cards, and over $500 there are interest-free monthly payment plans.', faq, 'en')?.id).toBe(
      'payment-plans',
    );
  });

  it('gives nothing for a reply that only touches a topic', () => {
    expect(answeredFaq('Let me check our parking situation for you.', faq, 'en')).toBeUndefined();
    expect(answeredFaq('Which day suits you best?', faq, 'en')).toBeUndefined();
  });
});
