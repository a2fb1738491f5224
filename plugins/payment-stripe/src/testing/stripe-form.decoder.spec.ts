import { decodeStripeForm, StripeFormError } from './stripe-form.decoder';
import { matchesSearch, parseSearchQuery, SearchQueryError } from './stripe-search.query';

describe('decodeStripeForm', () => {
  it('decodes bracketed keys into nested objects and indexed arrays, as the SDK encodes them', () => {
    const body =
      'mode=subscription&line_items[0][price]=price_1&line_items[0][quantity]=1&line_items[1][price]=price_2' +
      '&metadata[tero_reference]=sub-1&subscription_data[metadata][tero_reference]=sub-1&expand[0]=data.invoice&expand[1]=latest_invoice';

    expect(decodeStripeForm(body)).toEqual({
      mode: 'subscription',
      line_items: [{ price: 'price_1', quantity: '1' }, { price: 'price_2' }],
      metadata: { tero_reference: 'sub-1' },
      subscription_data: { metadata: { tero_reference: 'sub-1' } },
      expand: ['data.invoice', 'latest_invoice'],
    });
  });

  it('orders array items by index, appends with [], and keeps numeric top-level keys as keys', () => {
    expect(decodeStripeForm('a[2]=c&a[0]=a&a[1]=b')).toEqual({ a: ['a', 'b', 'c'] });
    expect(decodeStripeForm('expand[]=x&expand[]=y')).toEqual({ expand: ['x', 'y'] });
    expect(decodeStripeForm('0=zero')).toEqual({ 0: 'zero' });
  });

  it('decodes percent-encoding, encoded brackets and + as a space, and keeps empty values (which unset metadata)', () => {
    expect(decodeStripeForm("description=Overage%3A%2042+minutes&metadata%5Bk%5D=a%26b%3Dc&query=metadata%5B%27k%27%5D%3A%27v%27&metadata[gone]=")).toEqual({
      description: 'Overage: 42 minutes',
      metadata: { k: 'a&b=c', gone: '' },
      query: "metadata['k']:'v'",
    });
    expect(decodeStripeForm('metadata=')).toEqual({ metadata: '' });
    expect(decodeStripeForm('')).toEqual({});
  });

  it('refuses a key that is both a value and a hash, a malformed name, and broken percent-encoding, naming the key', () => {
    const refusal = (body: string) => {
      try {
        decodeStripeForm(body);
      } catch (error) {
        return error;
      }
      return undefined;
    };
    expect(refusal('a=1&a[b]=2')).toEqual(expect.objectContaining({ name: 'StripeFormError', param: 'a[b]' }));
    expect(refusal('a[b]=2&a=1')).toBeInstanceOf(StripeFormError);
    expect(refusal('a[b=1')).toEqual(expect.objectContaining({ param: 'a[b' }));
    expect(refusal('[x]=1')).toBeInstanceOf(StripeFormError);
    expect(refusal('a=%E0%A4%A')).toEqual(expect.objectContaining({ param: 'a' }));
  });
});

describe('parseSearchQuery', () => {
  it('reads exact-match clauses on fields and metadata keys joined by AND, with escaped quotes', () => {
    const clauses = parseSearchQuery(`metadata['tero_charge_key']:'usage:a \\'b\\' \\\\c' AND customer:"cus_1"`);

    expect(clauses).toEqual([
      { path: ['metadata', 'tero_charge_key'], value: "usage:a 'b' \\c" },
      { path: ['customer'], value: 'cus_1' },
    ]);
    expect(matchesSearch({ customer: 'cus_1', metadata: { tero_charge_key: "usage:a 'b' \\c" } }, clauses)).toBe(true);
    expect(matchesSearch({ customer: { id: 'cus_1' }, metadata: { tero_charge_key: "usage:a 'b' \\c" } }, clauses)).toBe(true);
    expect(matchesSearch({ customer: 'cus_2', metadata: { tero_charge_key: "usage:a 'b' \\c" } }, clauses)).toBe(false);
  });

  it('refuses what it does not understand', () => {
    for (const query of ['', 'amount>100', "status:'paid' OR status:'open'", "metadata[k]:'v'", "customer:'cus_1' AND", "customer:'unterminated"]) {
      expect(() => parseSearchQuery(query)).toThrow(SearchQueryError);
    }
  });
});
