import { formRows } from './setup-pages.controller';

describe('formRows', () => {
  it('gathers a flat form’s rows by index, the last value of a repeated field winning', () => {
    const form = {
      _csrf: 'x',
      'services.0.name': 'Drain cleaning',
      'services.0.price': '225.00',
      'services.2.name': 'New one',
      'services.1.bookable': ['on', 'on'],
      'faq.0.question': 'elsewhere',
      'services.x.name': 'not an index',
      'services.0.name.extra': 'too deep',
    };
    expect(formRows(form, 'services')).toEqual([{ name: 'Drain cleaning', price: '225.00' }, { bookable: 'on' }, { name: 'New one' }]);
    expect(formRows(form, 'faq')).toEqual([{ question: 'elsewhere' }]);
    expect(formRows({}, 'services')).toEqual([]);
  });
});
