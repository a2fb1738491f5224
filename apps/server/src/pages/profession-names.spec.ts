import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProfessionNames } from './profession-names';

describe('ProfessionNames', () => {
  let dir: string;
  const pack = (folder: string, manifest: unknown) => {
    mkdirSync(join(dir, folder), { recursive: true });
    writeFileSync(join(dir, folder, 'pack.json'), typeof manifest === 'string' ? manifest : JSON.stringify(manifest));
  };
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tero-packs-'));
    pack('plumber', { id: 'plumber', name: { en: 'Plumbing', fr: 'Plomberie' } });
    pack('broken', '{ not json');
    pack('renamed', { id: 'other', name: { en: 'Other' } });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('gives the pack’s name in the reader’s locale, then in English, then its id', async () => {
    const names = new ProfessionNames(dir);
    expect(await names.nameOf('plumber', 'fr')).toBe('Plomberie');
    expect(await names.nameOf('plumber', 'es')).toBe('Plumbing');
    expect(await names.nameOf('broken', 'en')).toBe('broken');
    expect(await names.nameOf('renamed', 'en')).toBe('renamed');
    expect(await names.nameOf('unknown', 'en')).toBe('unknown');
  });

  it('names the repository’s dentist pack in en, es and fr', async () => {
    const names = new ProfessionNames(join(__dirname, '../../../../profession-packs'));
    expect(await Promise.all(['en', 'es', 'fr'].map((locale) => names.nameOf('dentist', locale)))).toEqual(['Dental practice', 'Clínica dental', 'Cabinet dentaire']);
  });
});
