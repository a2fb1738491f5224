import { decodeEncodedWords, parseRawEmail } from './raw-email.parser';

describe('parseRawEmail', () => {
  it('reads folded headers, encoded words and a quoted-printable / base64 multipart/alternative', () => {
    const raw = [
      'From: =?UTF-8?Q?Cl=C3=ADnica_=C3=91and=C3=BA?= <desk@example.test>',
      'To: ana@example.test,',
      ' bob@example.test',
      'Subject: =?UTF-8?B?UsOpc2VydmF0aW9u?= =?UTF-8?B?IPCfprc=?=',
      'X-Custom: one',
      'X-Custom: two',
      'Content-Type: multipart/alternative; boundary="--b1"',
      '',
      'preamble',
      '----b1',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      'Hola Jos=C3=A9, una l=C3=ADnea muy larga que se parte con un salto suave =',
      'aqu=C3=AD.',
      'Segunda l=C3=ADnea.',
      '----b1',
      'Content-Type: text/html; charset=utf-8',
      'Content-Transfer-Encoding: base64',
      '',
      Buffer.from('<p>Café ☕</p>').toString('base64'),
      '----b1--',
      'epilogue',
    ].join('\r\n');

    const parsed = parseRawEmail(raw);

    expect(parsed.headers.from).toBe('Clínica Ñandú <desk@example.test>');
    expect(parsed.headers.to).toBe('ana@example.test, bob@example.test');
    expect(parsed.headers.subject).toBe('Réservation 🦷');
    expect(parsed.headers['x-custom']).toBe('one, two');
    expect(parsed.text).toBe('Hola José, una línea muy larga que se parte con un salto suave aquí.\nSegunda línea.');
    expect(parsed.html).toBe('<p>Café ☕</p>');
  });

  it('reads a single-part message in another charset and ignores attachments', () => {
    const latin1 = Buffer.concat([
      Buffer.from('Subject: plain\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n'),
      Buffer.from('Content-Type: text/plain; charset=iso-8859-1\r\n\r\nse\xf1or\r\n--x\r\n', 'latin1'),
      Buffer.from('Content-Type: text/plain\r\nContent-Disposition: attachment; filename=a.txt\r\n\r\nnot the body\r\n--x--\r\n'),
    ]);

    const parsed = parseRawEmail(latin1);

    expect(parsed.text).toBe('señor');
    expect(parsed.html).toBeUndefined();
  });

  it('leaves text that only looks like an encoded word alone', () => {
    expect(decodeEncodedWords('price =? 10')).toBe('price =? 10');
  });
});
