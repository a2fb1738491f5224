import { CSV_BOM, csvField, csvRecord } from './csv';

describe('csvField', () => {
  it('writes plain text, numbers, booleans and empties as they are', () => {
    expect(csvField('Ana López')).toBe('Ana López');
    expect(csvField(42)).toBe('42');
    expect(csvField(-12.5)).toBe('-12.5');
    expect(csvField(true)).toBe('true');
    expect(csvField(null)).toBe('');
    expect(csvField(undefined)).toBe('');
    expect(csvField(Number.NaN)).toBe('');
  });

  it('quotes fields with commas, quotes, line breaks or edge spaces, doubling quotes', () => {
    expect(csvField('Smith, John')).toBe('"Smith, John"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('line one\nline two')).toBe('"line one\nline two"');
    expect(csvField('a\r\nb')).toBe('"a\r\nb"');
    expect(csvField(' padded')).toBe('" padded"');
    expect(csvField('padded ')).toBe('"padded "');
  });

  it.each([
    ['=HYPERLINK("http://evil.example","click")', `"'=HYPERLINK(""http://evil.example"",""click"")"`],
    ['+1 555 123', "'+1 555 123"],
    ['+cmd|\' /C calc\'!A0', "'+cmd|' /C calc'!A0"],
    ['-2+3', "'-2+3"],
    ['-1e5', "'-1e5"],
    ['@SUM(A1:A9)', "'@SUM(A1:A9)"],
    ['\t=1+1', "'\t=1+1"],
    ['\r=1+1', `"'\r=1+1"`],
  ])('guards a text cell starting like a formula: %j', (value, expected) => {
    expect(csvField(value)).toBe(expected);
  });

  it('leaves E.164 phone numbers and plain numbers as they are', () => {
    expect(csvField('+15551234567')).toBe('+15551234567');
    expect(csvField('-12.50')).toBe('-12.50');
    expect(csvField('+')).toBe("'+");
  });

  it('leaves formula characters alone when they are not first', () => {
    expect(csvField('a=b')).toBe('a=b');
    expect(csvField('user@example.test')).toBe('user@example.test');
    expect(csvField('1-800')).toBe('1-800');
  });
});

describe('csvRecord', () => {
  it('joins fields with commas and ends with CRLF', () => {
    expect(csvRecord(['a', 1, null, 'b,c'])).toBe('a,1,,"b,c"\r\n');
  });

  it('has a byte-order mark for spreadsheets', () => {
    expect(Buffer.from(CSV_BOM, 'utf8')).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
  });
});
