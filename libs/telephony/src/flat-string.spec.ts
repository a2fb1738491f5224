import { flat } from './flat-string';

describe('flat', () => {
  it('gives the same text back, joined or not, and keeps a decomposed accent exactly as given', () => {
    const id = 'b1f0c2de-1111-4222-8333-444455556666';
    expect(flat(`${id} ${id} es`)).toBe(`${id} ${id} es`);
    expect(flat('sig:' + 'a'.repeat(22))).toBe(`sig:${'a'.repeat(22)}`);
    const decomposed = 'cafe\u0301';
    expect(flat(decomposed)).toBe(decomposed);
    expect(flat(decomposed)).not.toBe('café');
  });
});
