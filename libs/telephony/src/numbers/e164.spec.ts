import { detectDocumentType, nameFitsType, safeFileName } from './document-type';
import { type ParsedNumber, isNumberProblem, nanpAreaCode, parseE164 } from './e164';
import { parseNumbersCsv } from './number-csv';
import { compileSearch } from './number-search';

const ok = (value: string, country?: string) => {
  const parsed = parseE164(value, country);
  if (isNumberProblem(parsed)) throw new Error(`${value}: ${parsed.reason}`);
  return parsed as ParsedNumber;
};
const reason = (value: string, country?: string) => {
  const parsed = parseE164(value, country);
  return isNumberProblem(parsed) ? parsed.reason : null;
};

describe('parseE164', () => {
  it('reads the served countries and finds each number its country', () => {
    expect(ok('+15550100100')).toMatchObject({ e164: '+15550100100', country: 'US', callingCode: '1', national: '5550100100' });
    expect(ok('+1 (416) 555-0199').country).toBe('CA');
    expect(ok('+34 912 345 678')).toMatchObject({ e164: '+34912345678', country: 'ES' });
    expect(ok('+33.1.23.45.67.89').country).toBe('FR');
    expect(ok('+525512345678').country).toBe('MX');
    expect(ok('+442079460000').country).toBe('GB');
    expect(ok('+351212345678').country).toBe('PT');
    // Italy keeps the national 0 in international form.
    expect(ok('+390612345678').country).toBe('IT');
    // The admin may say CA for a new overlay the table does not know yet.
    expect(ok('+12125550100', 'ca').country).toBe('CA');
  });

  it('says why a number is refused', () => {
    expect(reason('')).toBe('is required');
    expect(reason('5550100100')).toMatch(/E\.164/);
    expect(reason('+1555abc0100')).toMatch(/only digits/);
    expect(reason('+1555')).toMatch(/8 to 15 digits/);
    expect(reason('+0123456789')).toMatch(/0 right after/);
    expect(reason('+8613812345678')).toMatch(/does not serve/);
    expect(reason('+11550100100')).toMatch(/area code/);
    expect(reason('+3491234567')).toMatch(/9 digits after \+34/);
    expect(reason('+33012345678')).toMatch(/national 0/);
    expect(reason('+34912345678', 'FR')).toMatch(/of ES.*not of FR/);
    expect(reason('+15550100100', 'MX')).toMatch(/\+1 number/);
    expect(reason('+15550100100', 'ZZ')).toMatch(/country ZZ/);
  });

  it('gives NANP area codes', () => {
    expect(nanpAreaCode('+15550100100')).toBe('555');
    expect(nanpAreaCode('+34912345678')).toBeNull();
  });
});

describe('parseNumbersCsv', () => {
  it('reads a header in any order and case, quotes, CRLF, a BOM and blank rows', () => {
    const csv = '\uFEFFLabel,Number,Carrier SID\r\n"Front desk, main",+15550100101,carrier-1\r\n\r\n"Say ""hi""",+15550100102,\r\n';
    const parsed = parseNumbersCsv(csv);
    expect(parsed.problems).toEqual([]);
    expect(parsed.rows).toEqual([
      { row: 2, values: { label: 'Front desk, main', number: '+15550100101', carrier_sid: 'carrier-1' } },
      { row: 4, values: { label: 'Say "hi"', number: '+15550100102' } },
    ]);
  });

  it('takes semicolons when the header has no comma', () => {
    expect(parseNumbersCsv('number;country\n+34912345678;ES\n').rows).toEqual([{ row: 2, values: { number: '+34912345678', country: 'ES' } }]);
  });

  it('reports file problems with their row', () => {
    expect(parseNumbersCsv('').problems[0]).toMatchObject({ row: 1, field: 'file' });
    expect(parseNumbersCsv('phone,country\n+15550100101,US').problems).toEqual([
      { row: 1, field: 'header', reason: expect.stringContaining('unknown column "phone"') },
      { row: 1, field: 'header', reason: 'has no "number" column' },
    ]);
    expect(parseNumbersCsv('number,number\n+1').problems[0]).toMatchObject({ field: 'header', reason: expect.stringContaining('twice') });
    expect(parseNumbersCsv('number\n"+1555').problems[0]).toMatchObject({ row: 2, field: 'file', reason: expect.stringContaining('quote') });
    expect(parseNumbersCsv('number\n+15550100101,extra').problems[0]).toMatchObject({ row: 2, field: 'row' });
    expect(parseNumbersCsv('number\n').problems[0]).toMatchObject({ field: 'file', reason: expect.stringContaining('no numbers') });
    expect(parseNumbersCsv(Buffer.from([0x25, 0x50, 0x00, 0x01])).problems[0]).toMatchObject({ field: 'file', reason: expect.stringContaining('not a text') });
  });
});

describe('compileSearch', () => {
  it('turns wildcards into LIKE patterns of digits only, anchored at both ends', () => {
    const search = compileSearch({ pattern: '+1555*' });
    if (Array.isArray(search)) throw new Error('refused');
    expect(search.likes).toEqual(['+1555%']);
    expect(search.test('+15550100100')).toBe(true);
    expect(search.test('+14155550100')).toBe(false);
    const ends = compileSearch({ pattern: '*01?0' });
    if (Array.isArray(ends)) throw new Error('refused');
    expect(ends.likes).toEqual(['+%01_0']);
    expect(ends.test('+15550100100')).toBe(true);
    expect(ends.test('+15550100101')).toBe(false);
    const xs = compileSearch({ pattern: '1555010010X' });
    if (Array.isArray(xs)) throw new Error('refused');
    expect(xs.likes).toEqual(['+1555010010_']);
  });

  it('reads the area code after the country code, or after any served code when no country is given', () => {
    const us = compileSearch({ country: 'us', areaCode: '555' });
    if (Array.isArray(us)) throw new Error('refused');
    expect(us).toMatchObject({ country: 'US', likes: ['+1555%'], anyOf: [] });
    const any = compileSearch({ areaCode: '91' });
    if (Array.isArray(any)) throw new Error('refused');
    expect(any.anyOf).toEqual(expect.arrayContaining(['+3491%', '+191%']));
    expect(any.test('+34912345678')).toBe(true);
  });

  it('refuses anything that could reach SQL as something other than digits and wildcards', () => {
    for (const pattern of ['%', '_1', "1' or 1=1 --", '\\1', '1.*', '[0-9]', '+1+2', '1'.repeat(21)]) {
      expect(compileSearch({ pattern })).toEqual([{ field: 'pattern', reason: expect.any(String) }]);
    }
    expect(compileSearch({ country: 'XX' })).toEqual([{ field: 'country', reason: expect.any(String) }]);
    expect(compileSearch({ areaCode: '5a5' })).toEqual([{ field: 'areaCode', reason: expect.any(String) }]);
  });
});

describe('document types', () => {
  it('tells PDF, PNG and JPEG by their bytes, and nothing else', () => {
    expect(detectDocumentType(Buffer.from('%PDF-1.7\n...'))).toBe('application/pdf');
    expect(detectDocumentType(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0]))).toBe('image/png');
    expect(detectDocumentType(Buffer.from([0xff, 0xd8, 0xff, 0xe0]))).toBe('image/jpeg');
    expect(detectDocumentType(Buffer.from('just text, called bill.pdf'))).toBeNull();
    expect(detectDocumentType(Buffer.from('GIF89a'))).toBeNull();
    expect(nameFitsType('bill.PDF', 'application/pdf')).toBe(true);
    expect(nameFitsType('photo.jpeg', 'image/jpeg')).toBe(true);
    expect(nameFitsType('photo.png', 'application/pdf')).toBe(false);
    expect(safeFileName('../../etc/Relevé de compte.pdf')).toBe('Releve_de_compte.pdf');
    expect(safeFileName('.tero-secret')).toBe('tero-secret');
  });
});
