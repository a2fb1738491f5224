import { readdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { CreateClientInput } from '@tero/accounts';
import { formatLocal, parseLocal, type LoadedPack } from '@tero/core';
import { claimsBooking, profileDefaultsFromPack } from '@tero/conversation';
import { AgentProfile, Booking, Brand, Call, CallTurn, CallerMessage, Client, PhoneNumber } from '@tero/db';
import type { PackScenario, TenantContext } from '@tero/sdk';
import { JambonzSimulator, type SimulatedCall, scriptedCaller } from '@tero/telephony';
import { ROOT, type TestApp, createTestApp, testBackend } from './create-test-app';

/**
 * Every scenario of every profession pack, as a phone call: the jambonz simulator drives the real app
 * (signed hooks, every answer validated as jambonz validates it) with the built-in engine, at the
 * scenario's moment (the app's clock is pinned to it), over the real booking ledger. Each scenario gets
 * its own business made from its pack; what the call produced is read back from the database — the
 * call's outcome, the booking's service and local start, the message's callback number, the transfer
 * target — and every agent line that says "booked" is checked against the ledger.
 */

const TIMEZONE = 'America/New_York';
const LANGUAGES: Record<string, string> = { en: 'en-US', es: 'es-ES', fr: 'fr-FR' };
/** Where the test businesses put through "a person, please" and emergencies. */
const NUMBERS = { transfer: '+15550100001', onCall: '+15550100002' } as const;
/** Seconds of the call between two caller turns (holds last minutes, as in a real call). */
const TURN_SECONDS = 20;
const REQUIRED_SHARE = 0.95;

interface ScenarioResult {
  pack: string;
  scenario: string;
  misses: string[];
  turnMisses: string[];
  falseClaims: number;
}

const PACK_IDS = readdirSync(join(ROOT, 'profession-packs'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

describe(`pack scenarios through the simulator and the real app (${testBackend().db})`, () => {
  let t: TestApp;
  let now = new Date();
  let simulator: JambonzSimulator;
  let brandCtx: TenantContext;
  let sequence = 0;
  const results: ScenarioResult[] = [];

  beforeAll(async () => {
    t = await createTestApp({ clock: () => new Date(now) });
    await t.app.listen(0, '127.0.0.1');
    const { port } = t.app.getHttpServer().address() as AddressInfo;
    const line = t.lines[0]!;
    simulator = new JambonzSimulator({ baseUrl: `http://127.0.0.1:${port}`, secret: line.secret, accountSid: line.accountSid });
    const demo = await t.kernel.db.forInstance('the demo brand hosts the scenario businesses').findOneOrFail(Brand, { slug: 'demo' });
    brandCtx = { brandId: demo.id, clientId: null, locale: 'en' };
  }, 60_000);

  afterAll(async () => {
    await t?.close();
  });

  /** A business of the pack, alone in its calendar: client, agent profile from the pack's defaults, a number. */
  async function business(pack: LoadedPack, scenario: PackScenario) {
    const n = ++sequence;
    const client = await t.kernel.accounts.createClient(brandCtx, {
      name: `${pack.id} ${scenario.id}`.slice(0, 120),
      slug: `scenario-${n}`,
      professionPack: pack.id,
      timezone: TIMEZONE,
      locale: scenario.locale as CreateClientInput['locale'],
    });
    const ctx: TenantContext = { brandId: brandCtx.brandId, clientId: client.id, locale: scenario.locale };
    const em = t.kernel.db.forTenant(ctx);
    const defaults = profileDefaultsFromPack(pack);
    em.create(AgentProfile, {
      ...defaults,
      brand: em.getReference(Brand, ctx.brandId),
      client: em.getReference(Client, client.id),
      agentName: 'Ava',
      address: '100 Main Street, Springfield',
      businessPhone: '+15550100000',
      transferNumber: NUMBERS.transfer,
      onCallNumber: NUMBERS.onCall,
    });
    const number = `+1555030${String(n).padStart(4, '0')}`;
    em.create(PhoneNumber, { brand: em.getReference(Brand, ctx.brandId), client: em.getReference(Client, client.id), number, label: scenario.id });
    await em.flush();
    return { ctx, number, faq: defaults.faq };
  }

  async function play(pack: LoadedPack, scenario: PackScenario): Promise<ScenarioResult> {
    const result: ScenarioResult = { pack: pack.id, scenario: scenario.id, misses: [], turnMisses: [], falseClaims: 0 };
    const miss = (text: string) => result.misses.push(text);
    const { ctx, number, faq } = await business(pack, scenario);
    now = parseLocal(scenario.at, TIMEZONE);
    for (const [i, existing] of (scenario.existingBookings ?? []).entries()) {
      const booked = await t.kernel.ledger.book(ctx, {
        serviceId: existing.service,
        start: parseLocal(existing.start, TIMEZONE),
        callerName: existing.callerName,
        callerPhone: existing.callerPhone,
        by: 'system',
        idempotencyKey: `scenario:${scenario.id}:${i}`,
      });
      if (!booked.ok) throw new Error(`${pack.id}/${scenario.id}: existing booking ${existing.service} at ${existing.start} refused (${booked.reason})`);
    }

    const script = scriptedCaller(scenario.turns.map((turn) => turn.caller));
    let call: SimulatedCall;
    try {
      call = await simulator.call({
        from: scenario.caller.number,
        callerName: scenario.caller.name,
        to: number,
        language: LANGUAGES[scenario.locale],
        input: async (context) => {
          now = new Date(now.getTime() + TURN_SECONDS * 1000);
          return script(context);
        },
      });
    } catch (error) {
      miss(`the call broke the protocol: ${(error as Error).message}`);
      return result;
    }
    await t.kernel.telephony.writer.flush();

    const em = t.kernel.db.forTenant(ctx);
    const record = await em.findOne(Call, { callSid: call.callSid });
    if (!record) {
      miss('no call record');
      return result;
    }
    const expect = scenario.expect;
    if (record.outcome !== expect.outcome) miss(`outcome ${record.outcome ?? 'none'}, expected ${expect.outcome}`);

    if (expect.service || expect.start) {
      const booking = record.bookingId ? await em.findOne(Booking, { id: record.bookingId }) : null;
      if (!booking) miss(`no booking on the call, expected ${expect.service ?? ''} at ${expect.start ?? ''}`);
      else {
        if (booking.status !== 'confirmed') miss(`booking ${booking.status}, expected confirmed`);
        if (expect.service && booking.serviceId !== expect.service) miss(`service ${booking.serviceId}, expected ${expect.service}`);
        const start = formatLocal(booking.startsAt, TIMEZONE);
        if (expect.start && start !== expect.start) miss(`start ${start}, expected ${expect.start}`);
      }
    }
    if (expect.callbackNumber) {
      const message = record.messageId ? await em.findOne(CallerMessage, { id: record.messageId }) : null;
      if (message?.callbackNumber !== expect.callbackNumber) miss(`callback number ${message?.callbackNumber ?? 'none'}, expected ${expect.callbackNumber}`);
    }
    if (expect.transferTo && record.transferTo !== NUMBERS[expect.transferTo]) {
      miss(`transfer to ${record.transferTo ?? 'nobody'}, expected ${expect.transferTo} (${NUMBERS[expect.transferTo]})`);
    }
    const agentLines = call.transcript.filter((e) => e.speaker === 'agent').map((e) => e.text);
    if (expect.faq) {
      const answer = faq.find((f) => f.id === expect.faq)?.answer[scenario.locale];
      if (!answer) miss(`FAQ ${expect.faq} is not in the pack's ${scenario.locale} FAQ`);
      else if (!agentLines.some((line) => givesAnswer(line, answer))) miss(`the answer of FAQ ${expect.faq} was not given`);
    }
    if (expect.endedByAgent !== undefined && (call.outcome.endedBy === 'agent') !== expect.endedByAgent) {
      miss(expect.endedByAgent ? `the agent did not end the call (${call.outcome.endedBy} did)` : 'the agent hung up');
    }

    // A line saying "booked" is true only when the ledger holds a booking this call confirmed or moved.
    const held = await em.count(Booking, { status: 'confirmed', callSid: call.callSid });
    const moved = (await em.find(Booking, { status: 'confirmed' })).some((b) => b.changes.some((c) => c.by === `call:${call.callSid}` && c.action === 'rescheduled'));
    if (!held && !moved) result.falseClaims = agentLines.filter((line) => claimsBooking(line, scenario.locale)).length;

    // Turn by turn: the intent the app recorded for each caller line, and what the agent said next.
    const callerTurns = await em.find(CallTurn, { call: record.id, speaker: 'caller' }, { orderBy: { seq: 'asc' } });
    const replies = repliesAfterEachCallerLine(call);
    for (const [i, turn] of scenario.turns.entries()) {
      const label = `turn ${i + 1} ("${turn.caller}")`;
      if (turn.expect.intent && callerTurns[i]?.intent !== turn.expect.intent) result.turnMisses.push(`${label}: intent ${callerTurns[i]?.intent ?? 'none'}, expected ${turn.expect.intent}`);
      for (const wanted of turn.expect.contains ?? []) {
        if (!fold(replies[i] ?? '').includes(fold(wanted))) result.turnMisses.push(`${label}: reply lacks "${wanted}": ${replies[i] ?? '(none)'}`);
      }
    }
    return result;
  }

  for (const packId of PACK_IDS) {
    it(`plays every ${packId} scenario`, async () => {
      const pack = await t.kernel.packs.get(packId);
      expect(pack.scenarios.length).toBeGreaterThan(0);
      for (const scenario of pack.scenarios) results.push(await play(pack, scenario));
    }, 300_000);
  }

  it(`meets at least ${REQUIRED_SHARE * 100} % of the expected outcomes, with no booking claimed that the ledger does not hold`, () => {
    const met = results.filter((r) => r.misses.length === 0);
    const falseClaims = results.reduce((sum, r) => sum + r.falseClaims, 0);
    const lines = [`${met.length}/${results.length} scenarios met (${((100 * met.length) / Math.max(1, results.length)).toFixed(1)} %), ${falseClaims} false booking claim(s)`];
    for (const packId of PACK_IDS) {
      const own = results.filter((r) => r.pack === packId);
      lines.push(`  ${packId.padEnd(14)} ${own.filter((r) => r.misses.length === 0).length}/${own.length}`);
    }
    for (const r of results.filter((r) => r.misses.length || r.falseClaims)) lines.push(`  miss ${r.pack}/${r.scenario}: ${[...r.misses, ...(r.falseClaims ? [`${r.falseClaims} false booking claim(s)`] : [])].join('; ')}`);
    const turnMisses = results.flatMap((r) => r.turnMisses.map((m) => `${r.pack}/${r.scenario} ${m}`));
    if (turnMisses.length) lines.push(`  turn checks missed (reported, not counted): ${turnMisses.length}`, ...turnMisses.map((m) => `    ${m}`));
    console.log(lines.join('\n'));
    expect(results.length).toBeGreaterThanOrEqual(PACK_IDS.length * 8);
    expect(falseClaims).toBe(0);
    expect(met.length / results.length).toBeGreaterThanOrEqual(REQUIRED_SHARE);
  });
});

/** What the agent said after each caller line, joined (the reply to that line). */
function repliesAfterEachCallerLine(call: SimulatedCall): string[] {
  const replies: string[] = [];
  let current: string[] | null = null;
  for (const entry of call.transcript) {
    if (entry.speaker === 'caller') {
      if (current) replies.push(current.join(' '));
      current = [];
    } else if (entry.speaker === 'agent' && current) current.push(entry.text);
  }
  if (current) replies.push(current.join(' '));
  return replies;
}

/** Whether a line gave an FAQ answer: its text, or most of its longer words. */
function givesAnswer(line: string, answer: string): boolean {
  const said = fold(line);
  if (said.includes(fold(answer))) return true;
  const words = fold(answer)
    .split(' ')
    .filter((w) => w.length > 3);
  const heard = new Set(said.split(' '));
  return words.length > 0 && words.filter((w) => heard.has(w)).length / words.length >= 0.6;
}

/** Lower case, accents and punctuation folded, for comparing what was said. */
function fold(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}
