/** The document types a porting request accepts, told apart by their first bytes. */
export const DOCUMENT_TYPES = {
  'application/pdf': { extensions: ['pdf'], label: 'PDF' },
  'image/png': { extensions: ['png'], label: 'PNG' },
  'image/jpeg': { extensions: ['jpg', 'jpeg'], label: 'JPEG' },
} as const;

export type DocumentContentType = keyof typeof DOCUMENT_TYPES;

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const PDF = Buffer.from('%PDF-', 'latin1');

/**
 * What the bytes are, whatever the file is called: a PDF starts with `%PDF-`, a PNG with its 8-byte
 * signature, a JPEG with FF D8 FF. Anything else (a text file named `.pdf` included) is null.
 */
export function detectDocumentType(data: Buffer): DocumentContentType | null {
  if (data.length >= PNG.length && data.subarray(0, PNG.length).equals(PNG)) return 'image/png';
  if (data.length >= 3 && data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff) return 'image/jpeg';
  if (data.length >= PDF.length && data.subarray(0, PDF.length).equals(PDF)) return 'application/pdf';
  return null;
}

/** The name's extension, lower case, or '' when it has none. */
export function extensionOf(fileName: string): string {
  const match = /\.([A-Za-z0-9]{1,8})$/.exec(fileName);
  return match ? match[1]!.toLowerCase() : '';
}

/** Whether a file's name agrees with what its bytes are (a PNG called `.pdf` does not). */
export function nameFitsType(fileName: string, type: DocumentContentType): boolean {
  return (DOCUMENT_TYPES[type].extensions as readonly string[]).includes(extensionOf(fileName));
}

/** A file name safe in a storage key and a download header: letters, digits, `.`, `_`, `-`; at most 100 characters. */
export function safeFileName(fileName: string): string {
  const base = fileName.split(/[\\/]/).pop() ?? '';
  const cleaned = base
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^[._]+/, '')
    .slice(-100);
  return cleaned || 'document';
}
