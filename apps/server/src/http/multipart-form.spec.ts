import { boundaryOf, parseMultipart } from './multipart-form';

const CRLF = '\r\n';
function body(boundary: string, parts: { headers: string[]; data: Buffer | string }[]): Buffer {
  const chunks: Buffer[] = [Buffer.from('preamble to ignore' + CRLF)];
  for (const part of parts) {
    chunks.push(Buffer.from(`--${boundary}${CRLF}${part.headers.join(CRLF)}${CRLF}${CRLF}`));
    chunks.push(Buffer.isBuffer(part.data) ? part.data : Buffer.from(part.data));
    chunks.push(Buffer.from(CRLF));
  }
  chunks.push(Buffer.from(`--${boundary}--${CRLF}`));
  return Buffer.concat(chunks);
}

describe('parseMultipart', () => {
  it('reads fields and files byte for byte, including CRLF and the boundary text inside a file', () => {
    const binary = Buffer.from([0x25, 0x50, 0x44, 0x46, 0x0d, 0x0a, 0x2d, 0x2d, 0x00, 0xff, 0x0d, 0x0a]);
    const parsed = parseMultipart(
      body('XyZ', [
        { headers: ['Content-Disposition: form-data; name="_csrf"'], data: 'tok' },
        { headers: ['Content-Disposition: form-data; name="label"'], data: 'Café, "main"' },
        { headers: ['Content-Disposition: form-data; name="documents"; filename="bill \\"1\\".pdf"', 'Content-Type: application/pdf'], data: binary },
        { headers: ["Content-Disposition: form-data; name=\"documents\"; filename*=UTF-8''relev%C3%A9.png"], data: 'PNG' },
        { headers: ['Content-Disposition: form-data; name="empty"; filename=""', 'Content-Type: application/octet-stream'], data: '' },
      ]),
      'XyZ',
    );
    expect(parsed.fields).toEqual({ _csrf: 'tok', label: 'Café, "main"' });
    expect(parsed.files.map((f) => [f.field, f.fileName, f.contentType])).toEqual([
      ['documents', 'bill "1".pdf', 'application/pdf'],
      ['documents', 'relevé.png', 'application/octet-stream'],
    ]);
    expect(parsed.files[0]!.data.equals(binary)).toBe(true);
  });

  it('refuses a body that is not a well-formed form', () => {
    expect(() => parseMultipart(Buffer.from('no boundary here'), 'b')).toThrow(expect.objectContaining({ code: 'numbers.upload_malformed' }));
    expect(() => parseMultipart(Buffer.from(`--b${CRLF}Content-Disposition: form-data; name="a"${CRLF}${CRLF}open`), 'b')).toThrow(/not closed/);
    expect(() => parseMultipart(Buffer.from(`--b${CRLF}Content-Type: text/plain${CRLF}${CRLF}x${CRLF}--b--`), 'b')).toThrow(/no form-data name/);
  });

  it('reads the boundary of the content type, quoted or not', () => {
    expect(boundaryOf('multipart/form-data; boundary=----abc123')).toBe('----abc123');
    expect(boundaryOf('multipart/form-data; charset=utf-8; boundary="a b"')).toBe('a b');
    expect(boundaryOf('multipart/form-data')).toBeNull();
  });
});
