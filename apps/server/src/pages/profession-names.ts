import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The display names of the installed profession packs (`pack.json` `name`, one per locale), for pages
 * that show a client's profession: people read "Dental practice", not the pack id `dentist`. Read once,
 * on first use; a pack whose file cannot be read or has no names is shown by its id (the linter is what
 * reports broken packs).
 */
export class ProfessionNames {
  private names: Promise<Map<string, Record<string, string>>> | null = null;

  constructor(private readonly packsDir: string) {}

  /** The pack's name in `locale`, else in English, else its id. */
  async nameOf(packId: string, locale: string): Promise<string> {
    const names = (await this.load()).get(packId);
    return names?.[locale] ?? names?.en ?? packId;
  }

  /** Every pack with its name in `locale`, sorted by that name. */
  async list(locale: string): Promise<{ id: string; name: string }[]> {
    const names = await this.load();
    return [...names.keys()].map((id) => ({ id, name: names.get(id)![locale] ?? names.get(id)!.en ?? id })).sort((a, b) => a.name.localeCompare(b.name, locale));
  }

  private load(): Promise<Map<string, Record<string, string>>> {
    this.names ??= readNames(this.packsDir);
    return this.names;
  }
}

async function readNames(packsDir: string): Promise<Map<string, Record<string, string>>> {
  const names = new Map<string, Record<string, string>>();
  const folders = await readdir(packsDir, { withFileTypes: true }).catch(() => []);
  for (const folder of folders) {
    if (!folder.isDirectory()) continue;
    const manifest = await readFile(join(packsDir, folder.name, 'pack.json'), 'utf8')
      .then((text) => JSON.parse(text) as { id?: unknown; name?: unknown })
      .catch(() => null);
    if (!manifest || manifest.id !== folder.name || typeof manifest.name !== 'object' || manifest.name === null) continue;
    const byLocale = Object.fromEntries(Object.entries(manifest.name).filter((entry): entry is [string, string] => typeof entry[1] === 'string' && entry[1] !== ''));
    if (Object.keys(byLocale).length > 0) names.set(folder.name, byLocale);
  }
  return names;
}
