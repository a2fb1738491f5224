import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { LintReport } from './lint-report';
import { lintPack } from './pack.linter';
import { listDirectories } from './package-files';
import { writePackFixture, type PackFixtureFiles } from './testing/pack-fixture';

const repo = resolve(__dirname, '../../../..');
let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tero-pack-lint-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

/** Writes the valid fixture pack changed by `edit` as `<root>/<id>/` and lints it. */
async function lint(id: string, edit?: (files: PackFixtureFiles) => void): Promise<LintReport> {
  return lintPack(await writePackFixture(root, id, edit), { root });
}
const summary = (report: LintReport) => report.findings.map((f) => `${f.rule} ${f.level} ${f.file}: ${f.message}`);
const messages = (report: LintReport) => report.findings.map((f) => `${f.rule} ${f.message}`);

/** Adds a supported locale with a copy of every English text, list, prompt and one scenario. */
function addLocale(files: PackFixtureFiles, locale: string): void {
  const pack = files['pack.json'];
  const copyText = (text: Record<string, string>) => (text[locale] = `${text.en} (${locale})`);
  const copyList = (lists: Record<string, string[]> | undefined) => lists && (lists[locale] = [...lists.en]);
  pack.locales.push(locale);
  [pack.name, pack.description, pack.greeting, pack.emergencyPolicy.say].forEach(copyText);
  for (const service of pack.services) {
    copyText(service.name);
    copyList(service.keywords);
  }
  for (const entry of pack.faq) {
    copyText(entry.question);
    copyText(entry.answer);
    copyList(entry.keywords);
  }
  copyList(pack.emergencyKeywords);
  Object.values(pack.intents).forEach((lists) => copyList(lists as Record<string, string[]>));
  pack.prompts[locale] = `prompts/${locale}.hbs`;
  files[`prompts/${locale}.hbs`] = files['prompts/en.hbs'];
  files[`scenarios/${locale}-book-cleaning.json`] = { ...files['scenarios/en-book-cleaning.json'], id: `${locale}-book-cleaning`, locale };
}
const scenario = (files: PackFixtureFiles, name: string) => files[`scenarios/${name}.json`];

describe('lintPack', () => {
  it('finds nothing wrong in a valid pack', async () => {
    expect(await lint('valid')).toEqual({ findings: [], errors: 0, warnings: 0 });
  });

  it('PACK001: pack.json missing, or not JSON (with line and column)', async () => {
    expect(summary(await lint('pack001-missing', (f) => (f['pack.json'] = undefined)))).toEqual([
      'PACK001 error pack001-missing/pack.json: pack.json not found',
    ]);
    const report = await lint('pack001-invalid-json', (f) => (f['pack.json'] = '{\n  "id": "pack001-invalid-json",\n  "version": "1.0.0",\n}\n'));
    expect(report.findings).toEqual([expect.objectContaining({ rule: 'PACK001', file: 'pack001-invalid-json/pack.json', line: 4, column: 1 })]);
  });

  it('PACK002: names the path and reason of each schema violation, and stops there', async () => {
    const report = await lint('pack002-schema', (f) => {
      const pack = f['pack.json'];
      delete pack.hours;
      pack.sevices = [];
      pack.services[0].durationMinutes = 'sixty';
      pack.intents.sing = { en: ['la la'] };
    });
    expect(summary(report)).toEqual([
      "PACK002 error pack002-schema/pack.json: /: must have required property 'hours'",
      'PACK002 error pack002-schema/pack.json: /: has unknown property "sevices"',
      'PACK002 error pack002-schema/pack.json: /services/0/durationMinutes: must be integer',
      'PACK002 error pack002-schema/pack.json: /intents: has an invalid key "sing"',
    ]);
  });

  it('PACK002: the v2 fields are required', async () => {
    const report = await lint('pack002-v1', (f) => {
      for (const field of ['greeting', 'intents', 'emergencyPolicy', 'capacity']) delete f['pack.json'][field];
      delete f['pack.json'].faq[0].keywords;
    });
    expect(messages(report)).toEqual([
      "PACK002 /: must have required property 'greeting'",
      "PACK002 /: must have required property 'intents'",
      "PACK002 /: must have required property 'emergencyPolicy'",
      "PACK002 /: must have required property 'capacity'",
      "PACK002 /faq/0: must have required property 'keywords'",
    ]);
  });

  it('PACK003: id differs from the folder', async () => {
    expect(summary(await lint('pack003-id-mismatch', (f) => (f['pack.json'].id = 'other-id')))).toEqual([
      'PACK003 error pack003-id-mismatch/pack.json: id "other-id" differs from its folder "pack003-id-mismatch"',
    ]);
  });

  it('PACK010: a supported locale has no prompt template', async () => {
    const report = await lint('pack010-missing-prompt', (f) => {
      addLocale(f, 'fr');
      f['prompts/fr.hbs'] = undefined;
    });
    expect(summary(report)).toEqual(['PACK010 error pack010-missing-prompt/pack.json: prompt template "prompts/fr.hbs" for locale "fr" not found']);
  });

  it('PACK011: template syntax error with line and column', async () => {
    const report = await lint('pack011-syntax', (f) => (f['prompts/en.hbs'] = 'Hello {{business.name}}\n{{#each services}}\n  {{name}\n{{/each}}\n'));
    expect(report.findings).toEqual([expect.objectContaining({ rule: 'PACK011', file: 'pack011-syntax/prompts/en.hbs', line: 3 })]);
    expect(report.findings[0].column).toBeGreaterThan(1);
  });

  it('PACK012: unknown variables, helpers and partials in a prompt', async () => {
    const report = await lint('pack012-unknown', (f) => {
      f['prompts/en.hbs'] = [
        'Hi {{business.owner}}.',
        '{{#each services}}{{name}} {{cost}} {{formatPrice price}}{{/each}}',
        '{{> footer}}',
        '{{#each agent}}x{{/each}}{{@index}}',
        '',
      ].join('\n');
    });
    expect(report.findings.map((f) => [f.rule, f.line, f.message])).toEqual([
      ['PACK012', 1, 'unknown variable "business.owner"'],
      ['PACK012', 2, 'unknown variable "cost"'],
      ['PACK012', 2, 'unknown helper "formatPrice"'],
      ['PACK012', 3, 'partials are not available here'],
      ['PACK012', 4, '"each" needs a list, and "agent" is not one'],
      ['PACK012', 4, 'unknown data variable "@index"'],
    ]);
  });

  it('PACK020 / PACK022: duplicate service and FAQ ids', async () => {
    const services = await lint('pack020-duplicate-service', (f) => f['pack.json'].services.push({ ...f['pack.json'].services[0] }));
    expect(summary(services)).toEqual(['PACK020 error pack020-duplicate-service/pack.json: services[3] repeats id "cleaning" of services[0]']);
    const faq = await lint('pack022-duplicate-faq', (f) => f['pack.json'].faq.push({ ...f['pack.json'].faq[0] }));
    expect(summary(faq)).toEqual(['PACK022 error pack022-duplicate-faq/pack.json: faq[2] repeats id "parking" of faq[0]']);
  });

  it('PACK021: fractional and negative prices, reported as such rather than as a schema error', async () => {
    const report = await lint('pack021-price', (f) => {
      f['pack.json'].services[0].priceMinor = 120.5;
      f['pack.json'].services[1].priceMinor = -100;
    });
    expect(report.findings.map((f) => [f.rule, f.message.split(':')[0]])).toEqual([
      ['PACK021', '/services/0/priceMinor'],
      ['PACK021', '/services/1/priceMinor'],
    ]);
  });

  it('PACK023: hours that close before they open or overlap', async () => {
    const report = await lint('pack023-hours', (f) => {
      f['pack.json'].hours.wed = [['17:00', '08:00']];
      f['pack.json'].hours.thu = [['08:00', '13:00'], ['12:00', '17:00']];
    });
    expect(summary(report)).toEqual([
      'PACK023 error pack023-hours/pack.json: hours.wed: interval 17:00-08:00 closes before it opens',
      'PACK023 error pack023-hours/pack.json: hours.thu: interval 12:00-17:00 overlaps or precedes the one before',
    ]);
  });

  it('PACK024: a negative or fractional buffer, reported as such rather than as a schema error', async () => {
    const report = await lint('pack024-buffer', (f) => {
      f['pack.json'].services[0].bufferMinutes = -5;
      f['pack.json'].services[1].bufferMinutes = 7.5;
    });
    expect(messages(report)).toEqual([
      'PACK024 /services/0/bufferMinutes: buffer must be an integer number of minutes, 0 or more',
      'PACK024 /services/1/bufferMinutes: buffer must be an integer number of minutes, 0 or more',
    ]);
  });

  it('PACK025: a capacity below 1', async () => {
    expect(messages(await lint('pack025-capacity', (f) => (f['pack.json'].capacity = 0)))).toEqual([
      'PACK025 /capacity: capacity must be an integer, 1 or more',
    ]);
  });

  it('PACK030: warns when a text lacks a supported locale, without failing the pack', async () => {
    const report = await lint('pack030-missing-locale', (f) => {
      addLocale(f, 'es');
      delete f['pack.json'].services[1].name.es;
      delete f['pack.json'].faq[0].answer.es;
    });
    expect(report).toMatchObject({ errors: 0, warnings: 2 });
    expect(report.findings.map((f) => f.message)).toEqual([
      'services[1] (exam).name has no text for supported locale "es"',
      'faq[0] (parking).answer has no text for supported locale "es"',
    ]);
  });

  it('PACK031: emergency keywords missing for a supported locale', async () => {
    const report = await lint('pack031-keywords', (f) => {
      addLocale(f, 'es');
      delete f['pack.json'].emergencyKeywords.es;
    });
    expect(summary(report)).toEqual(['PACK031 error pack031-keywords/pack.json: emergencyKeywords has no keywords for supported locale "es"']);
  });

  it('PACK032: FAQ keywords missing or empty for a supported locale', async () => {
    const report = await lint('pack032-faq-keywords', (f) => {
      addLocale(f, 'es');
      delete f['pack.json'].faq[0].keywords.es;
      f['pack.json'].faq[1].keywords.en = [];
    });
    expect(messages(report)).toEqual([
      'PACK032 faq[0] (parking).keywords has no keywords for supported locale "es"',
      'PACK032 faq[1] (insurance).keywords has no keywords for supported locale "en"',
    ]);
  });

  it('PACK033: a listed intent without phrasings in a supported locale', async () => {
    const report = await lint('pack033-intents', (f) => {
      addLocale(f, 'fr');
      f['pack.json'].intents.book.en = [];
      delete f['pack.json'].intents.hours.fr;
    });
    expect(messages(report)).toEqual([
      'PACK033 intents.book has no phrasings for supported locale "en"',
      'PACK033 intents.hours has no phrasings for supported locale "fr"',
    ]);
  });

  it('PACK034: greeting missing for a locale, with a syntax error, or using what prompts may not', async () => {
    const report = await lint('pack034-greeting', (f) => {
      addLocale(f, 'es');
      addLocale(f, 'fr');
      f['pack.json'].greeting.en = 'Hello from {{business.owner}}, {{shout agent.name}}!';
      f['pack.json'].greeting.es = 'Hola {{#if business.name}}';
      delete f['pack.json'].greeting.fr;
    });
    expect(report.errors).toBe(4);
    expect(messages(report)).toEqual([
      'PACK034 greeting.en: unknown variable "business.owner"',
      'PACK034 greeting.en: unknown helper "shout"',
      expect.stringMatching(/^PACK034 greeting\.es: /),
      'PACK034 greeting has no text for supported locale "fr"',
    ]);
  });

  it('PACK035: the emergency policy has nothing to say in a supported locale', async () => {
    const report = await lint('pack035-policy', (f) => {
      addLocale(f, 'es');
      f['pack.json'].emergencyPolicy.say.es = '  ';
    });
    expect(messages(report)).toEqual(['PACK035 emergencyPolicy.say has no text for supported locale "es"']);
  });

  it('PACK036: keywords that are not lower case or carry extra spaces', async () => {
    const report = await lint('pack036-keyword-case', (f) => {
      f['pack.json'].emergencyKeywords.en.push('Broken Tooth');
      f['pack.json'].faq[0].keywords.en.push(' parking lot');
      f['pack.json'].services[0].keywords.en.push('deep  clean');
    });
    expect(messages(report)).toEqual([
      expect.stringContaining('PACK036 emergencyKeywords.en: "Broken Tooth" must be lower case'),
      expect.stringContaining('PACK036 faq[0] (parking).keywords.en: " parking lot" must be lower case'),
      expect.stringContaining('PACK036 services[0] (cleaning).keywords.en: "deep  clean" must be lower case'),
    ]);
  });

  it('PACK037: warns about an intent with no example phrasings at all', async () => {
    const report = await lint('pack037-intent-missing', (f) => delete f['pack.json'].intents.location);
    expect(report).toMatchObject({ errors: 0, warnings: 1 });
    expect(messages(report)).toEqual(['PACK037 intents.location has no example phrasings; the agent falls back on its generic lexicon']);
  });

  it('PACK038: warns about service keywords that lack a supported locale', async () => {
    const report = await lint('pack038-service-keywords', (f) => {
      addLocale(f, 'es');
      delete f['pack.json'].services[1].keywords.es;
    });
    expect(report).toMatchObject({ errors: 0, warnings: 1 });
    expect(messages(report)).toEqual(['PACK038 services[1] (exam).keywords has no keywords for supported locale "es"']);
  });

  it('PACK040: scenario not JSON or not matching the schema', async () => {
    const report = await lint('pack040-scenario', (f) => {
      f['scenarios/bad-intent.json'] = { ...scenario(f, 'en-book-exam'), id: 'bad-intent', turns: [{ caller: 'Put me through', expect: { intent: 'transfer' } }] };
      f['scenarios/broken.json'] = '{"id": "broken", ';
      f['scenarios/no-outcome.json'] = { ...scenario(f, 'en-book-exam'), id: 'no-outcome', expect: { outcome: 'happy' } };
      f['scenarios/notes.txt'] = 'not a scenario';
    });
    expect(summary(report)).toEqual([
      'PACK040 error pack040-scenario/scenarios/bad-intent.json: /turns/0/expect/intent: must be one of "book", "reschedule", "cancel", "hours", "faq", "location", "emergency", "message", "human"',
      expect.stringMatching(/^PACK040 error pack040-scenario\/scenarios\/broken.json: invalid JSON/),
      'PACK040 error pack040-scenario/scenarios/no-outcome.json: /expect/outcome: must be one of "booked", "rescheduled", "cancelled", "message_taken", "transferred", "answered"',
      'PACK040 error pack040-scenario/scenarios/notes.txt: only .json scenario files belong in scenarios/',
    ]);
  });

  it('PACK041: warns about a supported locale without any scenario', async () => {
    const report = await lint('pack041-no-scenario', (f) => {
      addLocale(f, 'es');
      f['scenarios/es-book-cleaning.json'] = undefined;
    });
    expect(summary(report)).toEqual(['PACK041 warning pack041-no-scenario/scenarios: no scenario for supported locale "es"']);
  });

  it('PACK042 / PACK043: scenario in an unsupported locale, duplicate scenario id', async () => {
    const locale = await lint('pack042-scenario-locale', (f) => (f['scenarios/de-book.json'] = { ...scenario(f, 'en-book-exam'), id: 'de-book', locale: 'de' }));
    expect(summary(locale)).toEqual([
      'PACK042 error pack042-scenario-locale/scenarios/de-book.json: locale "de" is not one of the pack\'s locales (en)',
    ]);
    const duplicate = await lint('pack043-duplicate-scenario', (f) => (f['scenarios/zz-copy.json'] = scenario(f, 'en-book-exam')));
    expect(duplicate.findings).toEqual([expect.objectContaining({ rule: 'PACK043', file: 'pack043-duplicate-scenario/scenarios/zz-copy.json' })]);
  });

  it('PACK044: fewer than 8 valid scenarios; invalid ones do not count', async () => {
    const report = await lint('pack044-few-scenarios', (f) => {
      for (const name of ['en-book-exam', 'en-book-hygiene', 'en-message-again']) f[`scenarios/${name}.json`] = undefined;
      scenario(f, 'en-cancel').turns = [];
    });
    expect(summary(report)).toEqual([
      'PACK044 error pack044-few-scenarios/scenarios: 6 valid scenario(s); a pack needs at least 8',
      'PACK040 error pack044-few-scenarios/scenarios/en-cancel.json: /turns: must NOT have fewer than 1 items',
    ]);
  });

  it('PACK045: expectations naming unknown services, FAQ entries or bookings, or fields that do not fit the outcome', async () => {
    const report = await lint('pack045-expect', (f) => {
      scenario(f, 'en-book-cleaning').expect.service = 'polishing';
      scenario(f, 'en-book-exam').expect = { outcome: 'booked', service: 'consult', start: '2026-03-16T13:00', callbackNumber: '+15550142233' };
      delete scenario(f, 'en-book-hygiene').expect.start;
      scenario(f, 'en-faq-parking').expect.faq = 'valet';
      f['scenarios/en-reschedule.json'] = {
        ...structuredClone(scenario(f, 'en-cancel')),
        id: 'en-reschedule',
        turns: [{ caller: 'I need to move my exam to Tuesday at 2 pm.', expect: { intent: 'reschedule' } }],
        expect: { outcome: 'rescheduled', service: 'exam', start: '2026-03-10T14:00' },
      };
      scenario(f, 'en-cancel').existingBookings[0].callerPhone = '+15550109999';
      scenario(f, 'en-message').existingBookings = [{ service: 'whitening', start: '2026-03-10T09:00', callerName: 'Bo Park', callerPhone: '+15550100002' }];
      scenario(f, 'en-emergency-pain').expect = { outcome: 'message_taken', callbackNumber: '+15550100003' };
    });
    expect(messages(report)).toEqual([
      'PACK045 expect.service "polishing" is not a service of the pack',
      'PACK045 expect.callbackNumber does not belong to outcome "booked"',
      'PACK045 expect.service "consult" is not bookable on the phone',
      'PACK049 no caller turn names service "consult" by its "en" name or keywords',
      'PACK045 outcome "booked" needs expect.start',
      'PACK045 outcome "cancelled" needs an existing booking of the caller +15550100005 in existingBookings',
      'PACK045 an emergency call ends "transferred" under the pack\'s emergency policy "transfer", not "message_taken"',
      'PACK045 expect.faq "valet" is not an FAQ entry of the pack',
      'PACK045 existingBookings[0].service "whitening" is not a service of the pack',
      'PACK045 expect.service "exam" is not the service of the caller\'s existing booking',
    ]);
  });

  it('PACK046: malformed or impossible date-times and phone numbers', async () => {
    const report = await lint('pack046-formats', (f) => {
      scenario(f, 'en-book-cleaning').at = '2026-02-30T10:00';
      scenario(f, 'en-book-exam').expect.start = '2026-03-16 13:00';
      scenario(f, 'en-book-hygiene').expect.start = '2026-03-10T25:00';
      scenario(f, 'en-message').expect.callbackNumber = '555 014 2233';
      scenario(f, 'en-faq-parking').caller.number = '5550100004';
      scenario(f, 'en-cancel').existingBookings[0].start = '2026-03-16T9:00';
    });
    expect(messages(report)).toEqual([
      'PACK044 6 valid scenario(s); a pack needs at least 8',
      'PACK046 at "2026-02-30T10:00" is not a real local date and time',
      'PACK046 /expect/start: must match pattern "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}$"',
      'PACK046 expect.start "2026-03-10T25:00" is not a real local date and time',
      'PACK046 /existingBookings/0/start: must match pattern "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}$"',
      'PACK046 /caller/number: must match pattern "^\\+[1-9]\\d{6,14}$"',
      'PACK046 /expect/callbackNumber: must match pattern "^\\+[1-9]\\d{6,14}$"',
    ]);
  });

  it('PACK047: bookings outside the default hours, on a holiday, before the call, or over capacity', async () => {
    const report = await lint('pack047-times', (f) => {
      scenario(f, 'en-book-cleaning').expect.start = '2026-03-11T09:00';
      scenario(f, 'en-book-exam').expect.start = '2026-03-16T11:45';
      scenario(f, 'en-book-hygiene').expect.start = '2026-05-25T09:00';
      scenario(f, 'en-cancel').existingBookings[0].start = '2026-03-09T08:00';
      scenario(f, 'en-faq-insurance').existingBookings = [{ service: 'exam', start: '2026-03-16T08:00', callerName: 'Bo Park', callerPhone: '+15550100009' }];
      f['scenarios/en-book-busy.json'] = {
        ...scenario(f, 'en-book-cleaning'),
        id: 'en-book-busy',
        existingBookings: [{ service: 'exam', start: '2026-03-10T08:45', callerName: 'Bo Park', callerPhone: '+15550100009' }],
        expect: { outcome: 'booked', service: 'cleaning', start: '2026-03-10T08:00' },
      };
    });
    expect(messages(report)).toEqual([
      'PACK047 expect.start 2026-03-10T08:00 overlaps 1 existing booking(s), and the pack\'s capacity is 1',
      'PACK047 expect.start 2026-03-11T09:00 (wed, 60 min of "cleaning") is not within the default hours (closed)',
      'PACK047 expect.start 2026-03-16T11:45 (mon, 30 min of "exam") is not within the default hours (08:00-12:00, 13:00-17:00)',
      'PACK047 expect.start 2026-05-25T09:00 falls on Memorial Day',
      'PACK047 existingBookings[0].start 2026-03-09T08:00 is not after the call (at 2026-03-09T10:15)',
    ]);
    expect(report.findings.map((f) => f.file.split('/').pop())).toEqual([
      'en-book-busy.json',
      'en-book-cleaning.json',
      'en-book-exam.json',
      'en-book-hygiene.json',
      'en-cancel.json',
    ]);
  });

  it('PACK047: a reschedule may take the slot its own booking frees, and capacity above 1 allows overlaps', async () => {
    const report = await lint('pack047-allowed', (f) => {
      f['pack.json'].capacity = 2;
      f['scenarios/en-book-busy.json'] = {
        ...scenario(f, 'en-book-cleaning'),
        id: 'en-book-busy',
        existingBookings: [{ service: 'exam', start: '2026-03-10T09:30', callerName: 'Bo Park', callerPhone: '+15550100009' }],
      };
      f['scenarios/en-reschedule.json'] = {
        ...scenario(f, 'en-cancel'),
        id: 'en-reschedule',
        turns: [{ caller: 'Could you move my appointment to 9:30 instead?', expect: { intent: 'reschedule' } }],
        expect: { outcome: 'rescheduled', service: 'cleaning', start: '2026-03-16T09:30' },
      };
    });
    expect(report.findings).toEqual([]);
  });

  it('PACK048: an outcome the pack must show is not covered by any scenario', async () => {
    const report = await lint('pack048-coverage', (f) => {
      f['scenarios/en-faq-parking.json'] = undefined;
      f['scenarios/en-faq-insurance.json'] = undefined;
    });
    expect(summary(report)).toEqual(['PACK048 error pack048-coverage/scenarios: no scenario expects outcome "answered"']);
  });

  it('PACK049: warns when the caller\'s words and the expected outcome disagree on the pack\'s keywords', async () => {
    const report = await lint('pack049-words', (f) => {
      scenario(f, 'en-book-cleaning').turns[0].caller = 'A cleaning tomorrow at 9 am, my gum is bleeding a little.';
      scenario(f, 'en-book-exam').turns[0].caller = 'An appointment on Monday at 1 pm.';
      scenario(f, 'en-emergency-pain').turns[0].caller = 'It hurts a lot.';
      scenario(f, 'en-faq-parking').turns[0].caller = 'Where do I leave the car?';
    });
    expect(report).toMatchObject({ errors: 0, warnings: 4 });
    expect(messages(report)).toEqual([
      'PACK049 turns[0] says the emergency keyword "bleeding", but the scenario does not expect an emergency',
      'PACK049 no caller turn names service "exam" by its "en" name or keywords',
      'PACK049 no caller turn expecting intent "emergency" says one of the pack\'s "en" emergency keywords',
      'PACK049 no caller turn says one of the "en" keywords of FAQ "parking"',
    ]);
  });
});

describe('the profession packs', () => {
  const packs = ['auto-mechanic', 'dentist', 'electrician', 'hvac', 'law-firm', 'plumber', 'real-estate', 'salon', 'veterinary'];

  it('are the ones the product ships', async () => {
    expect(await listDirectories(resolve(repo, 'profession-packs'))).toEqual(packs);
  });

  it.each(packs)('%s has no errors and no warnings', async (id) => {
    const report = await lintPack(resolve(repo, 'profession-packs', id), { root: repo });
    expect(report.findings).toEqual([]);
  });
});
