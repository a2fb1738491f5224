import { join, resolve } from 'node:path';
import { createI18n, formatLocal, parseLocal } from '@tero/core';
import type { i18n as I18n } from 'i18next';
import type { AgentReply, CallerInput, CallFacts, EngineState } from '../engine.port';
import { createPackHarness, SAMPLE_PACK, TEST_NUMBERS, type InMemoryAgentTools, type PackHarness } from '../testing';
import { BuiltinEngine } from './builtin.engine';

const repo = resolve(__dirname, '../../../..');
/** How an answer would read back as a name ("c'est tout" → "C'est Tout"). */
const foldedTitle = (text: string) => text.replace(/(^|\s)(\p{L})/gu, (_, space: string, letter: string) => space + letter.toUpperCase());
const zone = 'America/New_York';
const CALLER = '+15550007777';

/** A call with the built-in engine over the sample pack, played line by line. */
class Call {
  state: EngineState = {};
  replies: AgentReply[] = [];
  readonly facts: CallFacts;

  constructor(
    private readonly engine: BuiltinEngine,
    readonly harness: PackHarness,
    readonly locale: string,
    readonly tools: InMemoryAgentTools,
    at = '2026-03-09T08:00',
    callerNumber = CALLER,
  ) {
    this.facts = { callSid: tools.callSid, callerNumber, now: parseLocal(at, zone), route: 'open' };
    tools.ledger.setNow(this.facts.now);
  }

  get last(): AgentReply {
    return this.replies[this.replies.length - 1]!;
  }

  async start(): Promise<AgentReply> {
    return this.keep(await this.engine.start(this.facts, this.harness.knowledge(this.locale), this.tools));
  }

  async say(input: string | CallerInput): Promise<AgentReply> {
    const heard: CallerInput = typeof input === 'string' ? { kind: 'speech', text: input, confidence: 0.9 } : input;
    return this.keep(await this.engine.turn(this.facts, this.harness.knowledge(this.locale), this.state, heard, this.tools));
  }

  private keep(reply: AgentReply): AgentReply {
    this.replies.push(reply);
    // The telephony layer stores the state as JSON between turns.
    this.state = JSON.parse(JSON.stringify(reply.state)) as EngineState;
    return reply;
  }
}

describe('built-in conversation engine', () => {
  let i18n: I18n;
  let engine: BuiltinEngine;
  let harness: PackHarness;
  let noNumbers: PackHarness;
  const call = async (options: { locale?: string; at?: string; callerNumber?: string; harness?: PackHarness } = {}) => {
    const h = options.harness ?? harness;
    const locale = options.locale ?? 'en';
    const c = new Call(engine, h, locale, h.tools(locale), options.at, options.callerNumber);
    await c.start();
    return c;
  };
  const bookedStarts = (c: Call) => c.tools.effects().booked.map((b) => formatLocal(b.start, zone));

  beforeAll(async () => {
    i18n = await createI18n(join(repo, 'locales'));
    engine = new BuiltinEngine({ i18n });
    harness = createPackHarness(SAMPLE_PACK, i18n);
    noNumbers = createPackHarness(SAMPLE_PACK, i18n, { profile: { transferNumber: null, onCallNumber: null } });
  });

  it('greets with the pack’s greeting and listens', async () => {
    const c = await call();
    expect(c.last).toMatchObject({ say: 'Thanks for calling Sample Physiotherapy practice, this is Ava. How can I help?', action: { type: 'listen' } });
  });

  describe('booking', () => {
    it('reads the held slot back, asks the name after the yes, and says booked only once the ledger booked', async () => {
      const c = await call();
      const offer = await c.say('Hi, I would like to book a sports massage on Wednesday afternoon.');
      expect(offer).toMatchObject({ intent: 'book', action: { type: 'listen' } });
      expect(offer.say).toBe('I can book you in for Sports massage on Wednesday, March 11 at 2:00 PM. Shall I book it?');
      expect(c.tools.ledger.bookings).toHaveLength(0);
      const askName = await c.say('Yes please.');
      expect(askName.say).toBe('Great. Could I have your full name for the booking?');
      expect(c.tools.ledger.bookings).toHaveLength(0);
      const booked = await c.say('Maria Lopez');
      expect(booked.say).toBe("You're all set, Maria Lopez. I've booked Sports massage for Wednesday, March 11 at 2:00 PM. Is there anything else I can help you with?");
      expect(bookedStarts(c)).toEqual(['2026-03-11T14:00']);
      expect(c.tools.ledger.bookings[0]).toMatchObject({ callerName: 'Maria Lopez', callerPhone: CALLER, serviceId: 'massage' });
      const bye = await c.say('ok thanks');
      expect(bye).toMatchObject({ intent: 'goodbye', action: { type: 'hangup' } });
    });

    it('keeps the service being booked when the caller names it again in other words', async () => {
      const c = await call();
      await c.say('I would like to book a sports massage');
      expect((await c.say('a massage')).say).toBe('What day and time would suit you for Sports massage?');
      expect((await c.say('actually a first assessment')).say).toBe('What day and time would suit you for First assessment?');
    });

    it('asks for the service and the time when the caller did not say them, and offers the next slot on a no', async () => {
      const c = await call();
      expect((await c.say('I need an appointment')).say).toBe('Sure. Which service would you like to book? For example First assessment or Sports massage.');
      expect((await c.say('A massage.')).say).toBe('What day and time would suit you for Sports massage?');
      expect((await c.say('Tuesday morning')).say).toBe('I can book you in for Sports massage on Tuesday, March 10 at 9:00 AM. Shall I book it?');
      expect((await c.say('No, that does not work')).say).toBe('How about Tuesday, March 10 at 9:15 AM instead?');
      expect((await c.say('Could we do 10:30 instead?')).say).toBe('I can book you in for Sports massage on Tuesday, March 10 at 10:30 AM. Shall I book it?');
      await c.say('My name is Tom Baker. Yes, book it.');
      expect(bookedStarts(c)).toEqual(['2026-03-10T10:30']);
    });

    it('offers the closest time when the one asked for is taken', async () => {
      const c = await call();
      c.tools.ledger.seedBooking({ serviceId: 'massage', start: parseLocal('2026-03-10T10:00', zone), callerName: 'X', callerPhone: '+15550000001' });
      const reply = await c.say('Can I get a massage tomorrow at 10?');
      // 9:30 and 10:30 are as close: the earlier one.
      expect(reply.say).toBe("I don't have that time free. The closest I have for Sports massage is Tuesday, March 10 at 9:30 AM. Shall I book that?");
    });

    it('takes the name and number given while confirming, and reads the number back', async () => {
      const c = await call();
      await c.say('I want a first assessment on Thursday at 2 pm');
      const again = await c.say("It's for me, Ann Lee, my number is 555 014 2233.");
      expect(again.say).toBe('I can book Ann Lee in for First assessment on Thursday, March 12 at 2:00 PM. Shall I book it?');
      const done = await c.say('Yes, that works.');
      expect(done.say).toContain("I've booked First assessment for Thursday, March 12 at 2:00 PM.");
      expect(done.say).toContain('5 5 5, 0 1 4, 2 2 3 3');
      expect(c.tools.ledger.bookings[0]).toMatchObject({ callerName: 'Ann Lee', callerPhone: '+15550142233' });
    });

    it('never says booked when the ledger refused, and offers another time', async () => {
      const c = await call();
      await c.say('Book me a massage on Friday at 9 am, my name is Ann Lee');
      // The caller dawdles past the hold, and another call takes the slot meanwhile.
      c.tools.ledger.setNow(new Date(c.facts.now.getTime() + 10 * 60_000));
      const other = c.tools.ledger.toolsFor('other-call');
      const hold = await other.holdSlot({ serviceId: 'massage', start: parseLocal('2026-03-13T09:00', zone) });
      if (!hold.ok) throw new Error('the other call could not hold');
      await other.book({ holdId: hold.holdId, callerName: 'Bob', callerPhone: '+15550002222' });
      const reply = await c.say('Yes, go ahead.');
      expect(reply.say).not.toMatch(/booked|all set/i);
      expect(reply.say).toBe("I'm sorry, that time was just taken. I can book you in for Sports massage on Friday, March 13 at 9:30 AM. Shall I book it?");
      expect(c.tools.effects().booked).toHaveLength(0);
    });

    it('does not book what cannot be booked by phone: it offers a message', async () => {
      const c = await call();
      const reply = await c.say('Can I book a home visit for my mother?');
      expect(reply.say).toBe("I can't book Home visit over the phone, but I can take a message so the team calls you back. Would you like that?");
      await c.say('Yes please');
      await c.say("It's Ann Lee, and yes, call me on this number.");
      expect(c.tools.effects().message).toMatchObject({ callbackNumber: CALLER, callerName: 'Ann Lee', text: 'Can I book a home visit for my mother?' });
    });

    it('books in Spanish and French', async () => {
      const es = await call({ locale: 'es' });
      expect((await es.say('Quiero pedir cita para un masaje el jueves por la tarde')).say).toBe(
        'Puedo reservarle Masaje deportivo el jueves, 12 de marzo a las 14:00. ¿Se lo reservo?',
      );
      await es.say('Sí, perfecto.');
      expect((await es.say('Me llamo Lucía Fernández')).say).toContain('queda reservada para el jueves, 12 de marzo a las 14:00');
      const fr = await call({ locale: 'fr' });
      expect((await fr.say('Je voudrais un premier bilan mardi à 15 h')).say).toBe('Je peux vous réserver Premier bilan le mardi 10 mars à 15:00. Je le réserve ?');
      await fr.say("Oui, c'est parfait. Je m'appelle Julien Bernard.");
      expect(bookedStarts(fr)).toEqual(['2026-03-10T15:00']);
    });
  });

  describe('names and refusals around a booking', () => {
    it('keeps a name given instead of a yes, reads it back, and never takes "no that\'s all" for a name', async () => {
      const c = await call();
      expect((await c.say("Hi, I'd like to book a massage next Tuesday at 10 am")).say).toBe(
        'I can book you in for Sports massage on Tuesday, March 17 at 10:00 AM. Shall I book it?',
      );
      expect((await c.say('Maria Lopez')).say).toBe('I can book Maria Lopez in for Sports massage on Tuesday, March 17 at 10:00 AM. Shall I book it?');
      const booked = await c.say('yes please');
      expect(booked.say).toBe("You're all set, Maria Lopez. I've booked Sports massage for Tuesday, March 17 at 10:00 AM. Is there anything else I can help you with?");
      expect(c.tools.ledger.bookings[0]).toMatchObject({ callerName: 'Maria Lopez', callerPhone: CALLER });
      expect(await c.say("no that's all, thanks")).toMatchObject({ intent: 'goodbye', action: { type: 'hangup' } });
    });

    it('asks once more for a name refused, then books under the caller id without a name read back', async () => {
      const c = await call();
      await c.say("Hi, I'd like to book a massage next Tuesday at 10 am");
      expect((await c.say('yes please')).say).toBe('Great. Could I have your full name for the booking?');
      const again = await c.say("no that's all, thanks");
      expect(again.say).toBe('I just need a name to put the booking under. What name should I use?');
      expect(c.tools.ledger.bookings).toHaveLength(0);
      const booked = await c.say('no thanks');
      expect(booked.say).toBe("You're all set. I've booked Sports massage for Tuesday, March 17 at 10:00 AM. Is there anything else I can help you with?");
      expect(c.tools.ledger.bookings[0]).toMatchObject({ callerName: 'Unnamed caller', callerPhone: CALLER });
    });

    it('takes the name given after a refusal', async () => {
      const c = await call();
      await c.say("Hi, I'd like to book a massage next Tuesday at 10 am");
      await c.say('yes please');
      await c.say('nothing else');
      expect((await c.say('Maria Lopez')).say).toContain("You're all set, Maria Lopez.");
    });

    it.each([
      ['es', 'Quiero un masaje el martes a las 10', 'María López', 'Puedo reservar Masaje deportivo para María López el martes', 'sí', 'eso es todo', 'no gracias'],
      ['fr', 'Je voudrais un massage mardi à 10 h', 'Marie Dupont', 'Je peux réserver Massage sportif pour Marie Dupont le mardi', 'oui', "c'est tout", 'non merci'],
    ])('%s: keeps a name given instead of a yes, and re-asks a refused name', async (locale, request, name, offerFor, yes, done, noThanks) => {
      const c = await call({ locale });
      await c.say(request);
      expect((await c.say(name)).say).toContain(offerFor);
      await c.say(yes);
      expect(c.tools.ledger.bookings[0]).toMatchObject({ callerName: name, callerPhone: CALLER });

      const r = await call({ locale });
      await r.say(request);
      await r.say(yes);
      const again = await r.say(done);
      expect(r.state.phase).toBe('book.name');
      expect(again.say).not.toContain(foldedTitle(done));
      expect(r.tools.ledger.bookings).toHaveLength(0);
      await r.say(noThanks);
      expect(r.tools.ledger.bookings).toHaveLength(1);
      expect(r.tools.ledger.bookings[0]!.callerName).not.toMatch(/todo|tout|gracias|merci/i);
    });
  });

  describe('yes, no and listening noises', () => {
    it('does not take "mm-hmm" or a lone "ok" for a yes, but takes "ok sure"', async () => {
      const c = await call();
      await c.say('A massage on Friday at 11, please. I am Ann Lee.');
      const hmm = await c.say('mm-hmm');
      expect(hmm).toMatchObject({ intent: 'backchannel' });
      expect(hmm.say).toBe('Sorry, was that a yes or a no? I can book Ann Lee in for Sports massage on Friday, March 13 at 11:00 AM. Shall I book it?'.replace('I can book Ann Lee in for', 'I can book you in for'));
      await c.say('ok');
      expect(c.tools.ledger.bookings).toHaveLength(0);
      await c.say('ok sure');
      expect(bookedStarts(c)).toEqual(['2026-03-13T11:00']);
    });

    it('takes "vale" and "d’accord" alone as no answer either', async () => {
      const es = await call({ locale: 'es' });
      await es.say('Un masaje el viernes a las 11, soy Ana Ruiz');
      expect((await es.say('vale')).intent).toBe('backchannel');
      expect(es.tools.ledger.bookings).toHaveLength(0);
      await es.say('sí');
      expect(bookedStarts(es)).toEqual(['2026-03-13T11:00']);
      const fr = await call({ locale: 'fr' });
      await fr.say('Un massage vendredi à 11 h, je suis Anne Roux');
      expect((await fr.say("d'accord")).intent).toBe('backchannel');
      expect(fr.tools.ledger.bookings).toHaveLength(0);
    });
  });

  describe('repair and ways out', () => {
    it('asks again after a misunderstanding, offers a way out after three, then ends politely', async () => {
      const c = await call();
      expect((await c.say('purple elephants')).say).toBe("Sorry, I didn't catch that. How can I help you?");
      expect((await c.say('banana')).say).toBe("Sorry, I still didn't get that. How can I help you?");
      expect((await c.say('blue')).say).toBe(
        "I'm sorry, I'm having trouble understanding. I can take a message for the team, or put you through to someone. Which would you prefer?",
      );
      const end = await c.say('green');
      expect(end).toMatchObject({ action: { type: 'hangup' } });
      expect(end.say).toContain("I'm sorry we couldn't sort this out");
    });

    it('asks to repeat a low-confidence transcript, unless it holds an emergency keyword', async () => {
      const c = await call();
      expect((await c.say({ kind: 'low-confidence', text: 'mumble', confidence: 0.2 })).say).toBe("Sorry, the line isn't very clear. Could you say that again?");
      expect(await c.say({ kind: 'low-confidence', text: 'he fainted', confidence: 0.3 })).toMatchObject({ intent: 'emergency', action: { type: 'transfer', to: TEST_NUMBERS.onCall } });
    });

    it('re-prompts on silence, offers a message on the second, and hangs up on the third', async () => {
      const c = await call();
      await c.say('I would like a massage');
      const first = await c.say({ kind: 'silence' });
      expect(first.say).toBe('Are you still there? What day and time would suit you for Sports massage?');
      const second = await c.say({ kind: 'silence' });
      expect(second.say).toBe("I still can't hear you. If you'd like to leave a message, just say so; otherwise I'll end the call.");
      const third = await c.say({ kind: 'silence' });
      expect(third).toMatchObject({ action: { type: 'hangup' } });
    });

    it('ends a call that goes on too long', async () => {
      const c = await call();
      for (let i = 0; i < 40; i++) await c.say('What are your hours?');
      expect(await c.say('What are your hours?')).toMatchObject({ action: { type: 'hangup' } });
    });
  });

  describe('people, emergencies and messages', () => {
    it('puts "a person" and DTMF 0 through to the transfer number', async () => {
      const c = await call();
      expect(await c.say('Can I talk to a real person?')).toMatchObject({ intent: 'human', action: { type: 'transfer', to: TEST_NUMBERS.transfer, reason: 'human' } });
      const d = await call();
      expect(await d.say({ kind: 'dtmf', digits: '0' })).toMatchObject({ action: { type: 'transfer', to: TEST_NUMBERS.transfer } });
    });

    it('offers a message when there is no one to put through', async () => {
      const c = await call({ harness: noNumbers });
      const reply = await c.say('Can I speak to someone please?');
      expect(reply).toMatchObject({ intent: 'human', action: { type: 'listen' } });
      expect(reply.say).toContain('I can take a message');
    });

    it('transfers an emergency to on-call with the pack’s words, even in the middle of a booking', async () => {
      const c = await call();
      await c.say('I want to book a massage');
      const reply = await c.say('Actually my husband just fainted!');
      expect(reply).toMatchObject({
        intent: 'emergency',
        say: 'Please hold, I am putting you through to the therapist on call.',
        action: { type: 'transfer', to: TEST_NUMBERS.onCall, reason: 'emergency' },
      });
    });

    it('takes an urgent message for an emergency when there is no on-call number', async () => {
      const c = await call({ harness: noNumbers });
      const reply = await c.say('He has chest pain, please help');
      expect(reply.say).toBe(
        "That sounds urgent, and I'll pass it on to the team straight away. What's your name? And can the team reach you on the number you're calling from, ending in 7 7 7 7?",
      );
      const taken = await c.say('Yes, I am Ann Lee');
      expect(taken.say).toContain("I've passed this on as urgent");
      expect(c.tools.effects().message).toMatchObject({ urgent: true, callbackNumber: CALLER, callerName: 'Ann Lee', text: 'He has chest pain, please help' });
    });

    it('takes a message with the number the caller gives, reads it back, and corrects it', async () => {
      const c = await call();
      const ask = await c.say('Could the therapist call me back about my knee exercises?');
      expect(ask).toMatchObject({ intent: 'message' });
      const taken = await c.say("Sure, it's James Carter, 555 017 8890, any time after 3.");
      expect(taken.say).toBe(
        "Thank you, James Carter. I've passed on your message, and the team will call you back at 5 5 5, 0 1 7, 8 8 9 0. Is there anything else I can help you with?",
      );
      expect(c.tools.effects().message).toMatchObject({
        callbackNumber: '+15550178890',
        text: "Could the therapist call me back about my knee exercises? Sure, it's James Carter, 555 017 8890, any time after 3.",
      });
      const fixed = await c.say('Sorry, it is 555 017 8899.');
      expect(fixed.say).toContain('5 5 5, 0 1 7, 8 8 9 9');
      expect(c.tools.ledger.messages).toHaveLength(1);
      expect(c.tools.effects().message?.callbackNumber).toBe('+15550178899');
    });

    it('keeps more of the message said while asked for the name and number', async () => {
      const c = await call();
      await c.say('Can the therapist call me back about my shoulder?');
      expect((await c.say('Tell her the exercises make the pain worse at night')).say).toContain('May I have your name?');
      await c.say("It's Ann Lee, this number is fine");
      expect(c.tools.effects().message?.text).toBe('Can the therapist call me back about my shoulder? Tell her the exercises make the pain worse at night');
    });

    it('asks what to pass on when the caller only asked to leave a message', async () => {
      const c = await call();
      expect((await c.say('Can I leave a message?')).say).toBe('Of course. What message would you like me to pass on?');
      expect((await c.say('Tell them I will be ten minutes late tomorrow')).intent).toBe('message');
    });
  });

  describe('questions', () => {
    it('answers hours for a day, a closed day, an exception day and the week, with the answered outcome', async () => {
      const exceptions = createPackHarness(SAMPLE_PACK, i18n, { profile: { exceptions: [{ date: '2026-03-13', name: 'a staff day', hours: [] }] } });
      const c = await call({ harness: exceptions });
      expect(await c.say('Are you open on Tuesdays?')).toMatchObject({
        intent: 'hours',
        outcome: 'answered',
        say: "On Tuesday we're open from 9:00 AM to 12:00 PM and from 2:00 PM to 6:00 PM. Is there anything else I can help you with?",
      });
      expect((await c.say('And on Sunday?')).say).toBe("We're closed on Sunday. Is there anything else I can help you with?");
      expect((await c.say('What time do you open this Friday?')).say).toBe("We're closed on Friday, March 13 for a staff day. Is there anything else I can help you with?");
      expect((await c.say('What are your opening hours?')).say).toBe(
        "We're open Monday, Tuesday, Wednesday, and Thursday from 9:00 AM to 12:00 PM and from 2:00 PM to 6:00 PM; Friday from 9:00 AM to 1:00 PM; and closed on Saturday and Sunday. Is there anything else I can help you with?",
      );
    });

    it('answers FAQ, prices and the address, and goes back to a pending booking question afterwards', async () => {
      const c = await call();
      expect((await c.say('Do you take insurance?')).say).toBe(
        'We bill most insurers directly; bring your card to your first visit. Is there anything else I can help you with?',
      );
      expect((await c.say('How much is a sports massage?')).say).toBe('Sports massage is usually $55.00. Is there anything else I can help you with?');
      await c.say('I would like a massage on Friday at 10');
      const question = await c.say('Where are you located?');
      expect(question.say).toBe("We're at 100 Main Street, Springfield. I can book you in for Sports massage on Friday, March 13 at 10:00 AM. Shall I book it?");
      expect(question.outcome).toBe('answered');
    });

    it('answers a price question mid-booking about the service being booked, and repeats its question on request', async () => {
      const c = await call();
      await c.say('A first assessment on Friday at 10 please');
      const price = await c.say('How much is it?');
      expect(price.say).toBe('First assessment is usually $90.00. I can book you in for First assessment on Friday, March 13 at 10:00 AM. Shall I book it?');
      const again = await c.say('Sorry, can you repeat that?');
      expect(again.say).toBe('I can book you in for First assessment on Friday, March 13 at 10:00 AM. Shall I book it?');
      expect(c.state).toMatchObject({ misses: 0, phase: 'book.confirm' });
    });

    it('offers a message for a question it cannot answer', async () => {
      const c = await call();
      const reply = await c.say('Do you sell gift cards for birthdays?');
      expect(reply.say).toBe("I'm not sure about that one. I can take a message so the team gets back to you. Would you like that?");
      expect((await c.say('No thanks')).say).toBe('No problem. Is there anything else I can help you with?');
    });

    it('stops reporting "answered" once something stronger happened', async () => {
      const c = await call();
      await c.say('A massage on Friday at 10, I am Ann Lee');
      await c.say('yes');
      expect((await c.say('What should I wear?')).outcome).toBeUndefined();
    });
  });

  describe('changes to a booking', () => {
    it('cancels the caller’s booking found by their number', async () => {
      const c = await call();
      c.tools.ledger.seedBooking({ serviceId: 'massage', start: parseLocal('2026-03-12T10:00', zone), callerName: 'Ann Lee', callerPhone: CALLER });
      expect((await c.say('I need to cancel my massage on Thursday')).say).toBe('I found your Sports massage on Thursday, March 12 at 10:00 AM. Shall I cancel it?');
      expect((await c.say('Yes please')).say).toBe(
        'Done: your Sports massage on Thursday, March 12 at 10:00 AM is cancelled. Is there anything else I can help you with?',
      );
      expect(c.tools.effects().cancelled).toHaveLength(1);
    });

    it('moves a booking to the time the caller asks for', async () => {
      const c = await call();
      c.tools.ledger.seedBooking({ serviceId: 'assessment', start: parseLocal('2026-03-12T10:00', zone), callerName: 'Ann Lee', callerPhone: CALLER });
      expect((await c.say('Can I reschedule my appointment?')).say).toBe(
        'I found your First assessment on Thursday, March 12 at 10:00 AM. What day and time would you like instead?',
      );
      expect((await c.say('Friday at 11')).say).toBe('I can move your First assessment to Friday, March 13 at 11:00 AM. Shall I do that?');
      await c.say('Yes');
      expect(c.tools.effects().rescheduled.map((r) => formatLocal(r.booking.start, zone))).toEqual(['2026-03-13T11:00']);
    });

    it('keeps the day already offered when the caller only changes the part of the day', async () => {
      const c = await call();
      c.tools.ledger.seedBooking({ serviceId: 'massage', start: parseLocal('2026-03-10T10:00', zone), callerName: 'Ann Lee', callerPhone: CALLER });
      await c.say('I need to move my massage');
      expect((await c.say('Thursday morning')).say).toBe('I can move your Sports massage to Thursday, March 12 at 9:00 AM. Shall I do that?');
      expect((await c.say('the afternoon then')).say).toBe('I can move your Sports massage to Thursday, March 12 at 2:00 PM. Shall I do that?');
    });

    it('asks which booking when the caller has several', async () => {
      const c = await call();
      c.tools.ledger.seedBooking({ serviceId: 'massage', start: parseLocal('2026-03-10T10:00', zone), callerName: 'Ann Lee', callerPhone: CALLER });
      c.tools.ledger.seedBooking({ serviceId: 'assessment', start: parseLocal('2026-03-12T10:00', zone), callerName: 'Ann Lee', callerPhone: CALLER });
      expect((await c.say('I have to cancel an appointment')).say).toBe(
        'I found your Sports massage on Tuesday, March 10 at 10:00 AM or your First assessment on Thursday, March 12 at 10:00 AM. Which one do you mean?',
      );
      expect((await c.say('The second one')).say).toBe('I found your First assessment on Thursday, March 12 at 10:00 AM. Shall I cancel it?');
    });

    it('asks for the name and number when nothing is booked under the caller id, then offers a message', async () => {
      const c = await call();
      c.tools.ledger.seedBooking({ serviceId: 'massage', start: parseLocal('2026-03-10T10:00', zone), callerName: 'Ann Lee', callerPhone: '+15550142233' });
      expect((await c.say('I want to cancel my appointment')).say).toContain("I couldn't find an upcoming appointment");
      expect((await c.say('It is under Ann Lee, 555 014 2233')).say).toBe('I found your Sports massage on Tuesday, March 10 at 10:00 AM. Shall I cancel it?');
      const d = await call();
      await d.say('I want to cancel my appointment');
      expect((await d.say('My name is Bob Stone')).say).toContain("I'm sorry, I still can't find it.");
    });
  });

  it('starts over from a state it does not know rather than failing the call', async () => {
    const c = await call();
    c.state = { v: 99, phase: 'mystery' };
    expect((await c.say('What are your hours?')).intent).toBe('hours');
  });
});
