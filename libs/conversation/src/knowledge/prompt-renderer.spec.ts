import { renderPromptTemplate } from './prompt-renderer';
import type { PromptContext } from '@tero/sdk';

const context: PromptContext = {
  business: { name: 'Bright Smile', phone: '+15550100000', address: '1 Main St', timezone: 'America/New_York' },
  hours: [],
  services: [{ name: 'Cleaning', durationMinutes: 30, price: { amountMinor: 9000, currency: 'USD' } }],
  faq: [],
  agent: { name: 'Ava' },
  locale: 'en',
};

describe('renderPromptTemplate', () => {
  it('renders the facts', () => {
    expect(renderPromptTemplate('{{agent.name}} at {{business.name}}', context, 'closed')).toBe('Ava at Bright Smile');
  });

  it('gives no access to prototypes even to a template that was not validated', () => {
    expect(renderPromptTemplate('[{{constructor}}][{{__proto__}}][{{business.constructor}}][{{#with constructor}}{{name}}{{/with}}]', context, 'closed')).toBe('[][][][]');
    expect(renderPromptTemplate('{{#each services}}[{{this.constructor.name}}]{{/each}}', context, 'closed')).toBe('[]');
  });

  it('keeps rendering the same source after many other sources went through the bounded cache', () => {
    for (let i = 0; i < 600; i++) renderPromptTemplate(`v${i} {{agent.name}}`, context, 'closed');
    expect(renderPromptTemplate('v0 {{agent.name}}', context, 'closed')).toBe('v0 Ava');
  });
});
