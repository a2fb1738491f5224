import { join, resolve } from 'node:path';
import { createI18n, discoverDataPackages, loadPack, type LoadedPack } from '@tero/core';
import type { i18n as I18n } from 'i18next';
import { BuiltinEngine } from './builtin.engine';
import { createPackHarness, runScenarioWithEngine, type ScenarioRun } from '../testing';

/**
 * Every scenario of every profession pack, replayed with the built-in engine over an in-memory ledger.
 * The issue's bar: at least 95 % of the scenarios' expected outcomes met, and no reply that claims a
 * booking the ledger does not hold. Misses are printed, so that a pack author sees what the engine did.
 */
const repo = resolve(__dirname, '../../../..');

describe('profession pack scenarios with the built-in engine', () => {
  let i18n: I18n;
  let packs: LoadedPack[];
  const runs: ScenarioRun[] = [];

  beforeAll(async () => {
    i18n = await createI18n(join(repo, 'locales'));
    const found = await discoverDataPackages(repo);
    packs = await Promise.all(found.packs.map((p) => loadPack(p.dir, { root: repo })));
    const engine = new BuiltinEngine({ i18n });
    for (const pack of packs) {
      const harness = createPackHarness(pack, i18n);
      for (const scenario of pack.scenarios) {
        runs.push({ ...(await runScenarioWithEngine(engine, harness.knowledge(scenario.locale), scenario, harness.tools(scenario.locale))), scenarioId: `${pack.id}/${scenario.id}` });
      }
    }
  });

  it('meets at least 95 % of the expected outcomes and never claims a booking the ledger does not hold', () => {
    const missed = runs.filter((r) => !r.met);
    const report = missed.map((r) => `${r.scenarioId}: ${r.misses.join('; ')}\n  ${r.transcript.map((t) => `${t.speaker}: ${t.text}`).join('\n  ')}`);
    const turnMisses = runs.flatMap((r) => r.turnMisses.map((m) => `${r.scenarioId}: ${m}`));
    const checks = runs.reduce((n, r) => n + r.turnChecks, 0);
    console.log(
      `${runs.length - missed.length}/${runs.length} scenario outcomes met; turn checks ${checks - turnMisses.length}/${checks}\n` +
        [...report, ...turnMisses].join('\n'),
    );
    expect(runs.length).toBeGreaterThan(0);
    expect(runs.reduce((n, r) => n + r.falseBookingClaims, 0)).toBe(0);
    expect((runs.length - missed.length) / runs.length).toBeGreaterThanOrEqual(0.95);
  });
});
