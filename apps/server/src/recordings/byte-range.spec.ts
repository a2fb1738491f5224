import { parseByteRange } from './byte-range';

describe('parseByteRange', () => {
  it('reads the single ranges players send', () => {
    expect(parseByteRange('bytes=0-')).toEqual({ start: 0 });
    expect(parseByteRange('bytes=100-199')).toEqual({ start: 100, end: 199 });
    expect(parseByteRange('bytes=-500')).toEqual({ suffix: 500 });
    expect(parseByteRange(' Bytes = 7 - 9 ')).toEqual({ start: 7, end: 9 });
  });

  it('ignores what it does not serve, so that the whole file is sent', () => {
    for (const header of [undefined, '', 'bytes=', 'bytes=-', 'items=0-1', 'bytes=0-1,5-9', 'bytes=a-b', 'bytes=9-3', ['bytes=0-1']]) {
      expect(parseByteRange(header as string | undefined)).toBeNull();
    }
  });

  it('keeps absurdly large positions large rather than wrapping them', () => {
    expect(parseByteRange(`bytes=${'9'.repeat(40)}-`)).toEqual({ start: Number.MAX_SAFE_INTEGER });
  });
});
