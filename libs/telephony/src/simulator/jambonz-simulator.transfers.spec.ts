import { scriptedCaller } from './caller-scripts';
import { JambonzSimulator } from './jambonz-simulator';
import { SimulatorError } from './simulator.error';
import type { JambonzSimulatorOptions, ListenContext } from './simulator.types';
import { type ReceivedHook, ScriptedWebhookApp } from './testing/scripted-webhook-app';
import { formatTranscript } from './transcript-format';

const SECRET = 'wh_secret_simulator_transfers';
const CALLER = '+15557770001';
const BUSINESS = '+15551230000';
const HUMAN = '+15550100199';
const STAFF = '+15550107777';
const QUEUE = 'tero-0195f0c2a1b2';
const MUSIC = 'https://cdn.example.test/hold.mp3';

const dial = (extra: Record<string, unknown> = {}) => ({ verb: 'dial', target: [{ type: 'phone', number: HUMAN }], actionHook: '/hooks/jambonz/dial', answerOnBridge: true, timeout: 25, ...extra });
const enqueue = { verb: 'enqueue', name: QUEUE, actionHook: '/hooks/jambonz/queue', waitHook: '/hooks/jambonz/queue-wait' };
const offer = (text: string) => ({ verb: 'gather', input: ['speech', 'digits'], numDigits: 1, actionHook: '/hooks/jambonz/transfer-followup', say: { text } });
const messagePrompt = { verb: 'gather', input: ['speech'], actionHook: '/hooks/jambonz/voicemail', say: { text: 'Please leave your message after the tone.' } };
const sayThen = (text: string, ...verbs: Record<string, unknown>[]) => [{ verb: 'say', text }, ...verbs];

describe('JambonzSimulator: transfers, warm transfers and queues', () => {
  let app: ScriptedWebhookApp;
  const start = Date.UTC(2026, 10, 24, 14, 0, 0);

  function simulator(options: Partial<JambonzSimulatorOptions> = {}) {
    return new JambonzSimulator({ baseUrl: app.url, secret: SECRET, accountSid: 'acct-1', clock: () => start, ...options });
  }
  async function withApp(answer: ConstructorParameters<typeof ScriptedWebhookApp>[0]) {
    app = await new ScriptedWebhookApp(answer, SECRET).start();
  }
  const hooksTo = (path: string): ReceivedHook['body'][] => app.received.filter((r) => r.path === path).map((r) => r.body);
  const textOf = (call: { transcript: { speaker: string; text: string }[] }) => call.transcript.map((e) => `${e.speaker}: ${e.text}`);

  afterEach(async () => {
    await app?.stop();
  });

  it('a transfer nobody answers: the dial hook hears no-answer, the caller chooses a message in the follow-up and leaves it', async () => {
    await withApp((path, body) => {
      switch (path) {
        case '/hooks/jambonz/call':
          return sayThen('Let me put you through to the team.', dial());
        case '/hooks/jambonz/dial':
          return body.dial_call_status === 'completed' ? [] : [offer('No one could pick up. Would you like to leave a message, or should we call you back?')];
        case '/hooks/jambonz/transfer-followup':
          return [messagePrompt];
        default:
          return sayThen('Thank you, your message has been passed on. Goodbye.', { verb: 'hangup' });
      }
    });
    const contexts: ListenContext[] = [];
    const script = scriptedCaller(["I'd like to leave a message", 'Maria Lopez here, my crown came loose, please call me back']);
    const call = await simulator({ dial: () => 'no-answer' }).call({ from: CALLER, to: BUSINESS, input: (context) => (contexts.push(context), script(context)) });

    expect(hooksTo('/hooks/jambonz/dial')[0]).toMatchObject({ call_sid: call.callSid, dial_call_status: 'no-answer', dial_sip_status: 487 });
    expect(hooksTo('/hooks/jambonz/transfer-followup')[0]).toMatchObject({ reason: 'speechDetected' });
    const message = hooksTo('/hooks/jambonz/voicemail')[0]!;
    expect((message.speech as { alternatives: { transcript: string }[] }).alternatives[0]!.transcript).toBe('Maria Lopez here, my crown came loose, please call me back');
    expect(contexts.map((c) => c.agentSaid)).toEqual([
      ['Let me put you through to the team.', 'No one could pick up. Would you like to leave a message, or should we call you back?'],
      ['Please leave your message after the tone.'],
    ]);
    expect(textOf(call)).toEqual([
      'agent: Let me put you through to the team.',
      `system: transfer to ${HUMAN}: no-answer`,
      'agent: No one could pick up. Would you like to leave a message, or should we call you back?',
      "caller: I'd like to leave a message",
      'agent: Please leave your message after the tone.',
      'caller: Maria Lopez here, my crown came loose, please call me back',
      'agent: Thank you, your message has been passed on. Goodbye.',
      'system: the agent hung up',
    ]);
    expect(call.outcome).toMatchObject({ endedBy: 'agent', transfers: [{ to: HUMAN, status: 'no-answer' }], queues: [] });
    expect(call.outcome.transfers[0]).not.toHaveProperty('whisper');
    expect(app.paths()).not.toContain('/hooks/jambonz/whisper');
  });

  it('a warm transfer: the human\'s leg hears the whisper before the bridge, the caller does not, and the dial hook hears completed', async () => {
    const whisper = 'Maria Lopez is calling Bright Smile Dental about her invoice. Connecting you now.';
    await withApp((path) => {
      if (path === '/hooks/jambonz/call') return sayThen('Putting you through.', dial({ confirmHook: '/hooks/jambonz/whisper', tag: { transfer: 'warm' } }));
      if (path === '/hooks/jambonz/whisper') return [{ verb: 'say', text: whisper, synthesizer: { vendor: 'google', language: 'en-US' } }];
      return [];
    });
    const call = await simulator().call({ from: CALLER, to: BUSINESS, input: scriptedCaller([]) });

    const [leg] = hooksTo('/hooks/jambonz/whisper');
    expect(leg).toMatchObject({
      parent_call_sid: call.callSid,
      direction: 'outbound',
      from: CALLER,
      to: HUMAN,
      call_status: 'in-progress',
      sip_status: 200,
      account_sid: 'acct-1',
      customerData: { transfer: 'warm' },
    });
    expect(leg!.call_sid).not.toBe(call.callSid);
    expect(app.received.find((r) => r.path === '/hooks/jambonz/whisper')!.signatureValid).toBe(true);
    // The dial result names the same leg, and comes after the whisper.
    expect(hooksTo('/hooks/jambonz/dial')[0]).toMatchObject({ call_sid: call.callSid, dial_call_status: 'completed', dial_sip_status: 200, dial_call_sid: leg!.call_sid });
    expect(app.paths().indexOf('/hooks/jambonz/whisper')).toBeLessThan(app.paths().indexOf('/hooks/jambonz/dial'));
    expect(textOf(call)).toEqual(['agent: Putting you through.', `system: whisper to ${HUMAN}: "${whisper}"`, `system: transfer to ${HUMAN}: completed`]);
    expect(call.outcome).toMatchObject({ endedBy: 'transfer', transfers: [{ to: HUMAN, status: 'completed', whisper }] });
    expect(call.exchanges.find((x) => x.hook === 'confirm')).toMatchObject({ status: 200, verbs: [{ verb: 'say', text: whisper }] });
  });

  it('a confirm hook that answers nothing bridges at once; one that is not asked when nobody answers', async () => {
    await withApp((path) => (path === '/hooks/jambonz/call' ? [dial({ confirmHook: { url: '/hooks/jambonz/whisper', method: 'POST' } })] : []));
    const cold = await simulator().call({ from: CALLER, to: BUSINESS, input: scriptedCaller([]) });
    expect(hooksTo('/hooks/jambonz/whisper')).toHaveLength(1);
    expect(cold.outcome).toMatchObject({ endedBy: 'transfer', transfers: [{ status: 'completed' }] });
    expect(cold.transcript.some((e) => e.kind === 'whisper')).toBe(false);

    await simulator({ dial: () => 'busy' }).call({ from: CALLER, to: BUSINESS, input: scriptedCaller([]) });
    expect(hooksTo('/hooks/jambonz/whisper')).toHaveLength(1);
  });

  it('refuses a confirm hook answer it cannot play there, by name', async () => {
    await withApp((path) => (path === '/hooks/jambonz/call' ? [dial({ confirmHook: '/hooks/jambonz/whisper' })] : [{ verb: 'gather', input: ['digits'], actionHook: '/x' }]));
    const error = (await simulator()
      .call({ from: CALLER, to: BUSINESS, input: scriptedCaller([]) })
      .catch((e: unknown) => e)) as SimulatorError;
    expect(error).toBeInstanceOf(SimulatorError);
    expect(error).toMatchObject({ code: 'simulator.unsupported_verb', params: { verb: 'gather' } });
    expect(error.message).toContain("confirmHook");
  });

  it('queues the caller: the wait hook is asked round after round with the queue\'s figures, announces the place, and a staff member bridges', async () => {
    await withApp((path, body) => {
      switch (path) {
        case '/hooks/jambonz/call':
          return sayThen('Let me put you through.', dial());
        case '/hooks/jambonz/dial':
          return sayThen('Everyone is busy right now, please hold.', enqueue);
        case '/hooks/jambonz/queue-wait':
          return sayThen(`You are number ${(body.queue_position as number) + 1} in line.`, { verb: 'play', url: MUSIC, loop: 'forever', timeoutSecs: 16 });
        default:
          return [];
      }
    });
    const call = await simulator({ dial: () => 'busy', queue: { result: 'bridged', afterSeconds: 60, ahead: 2, staff: STAFF, talkSeconds: 120 } }).call({
      from: CALLER,
      to: BUSINESS,
      input: scriptedCaller([]),
    });

    const rounds = hooksTo('/hooks/jambonz/queue-wait');
    // Each round is half a second of silence, "You are number N in line." (6 words: 3 s at 150 words a minute), then 16 s of
    // music; the two callers ahead are taken at 20 s and 40 s, and this one at 60 s, while its fourth announcement plays.
    expect(rounds.map((r) => [r.queue_time, r.queue_position, r.queue_size])).toEqual([
      [0, 2, 3],
      [20, 1, 2],
      [39, 1, 2],
      [59, 0, 1],
    ]);
    expect(rounds[0]).toEqual({ queue_sid: `queue:acct-1:${QUEUE}`, queue_time: 0, queue_size: 3, queue_position: 2, call_sid: call.callSid, call_id: expect.any(String) });
    expect(app.received.filter((r) => r.path === '/hooks/jambonz/queue-wait').every((r) => r.signatureValid)).toBe(true);
    // jambonz tells the action hook once the bridged conversation is over: its queue_time counts it.
    expect(hooksTo('/hooks/jambonz/queue')).toEqual([expect.objectContaining({ call_sid: call.callSid, from: CALLER, queue_sid: `queue:acct-1:${QUEUE}`, queue_result: 'bridged', queue_time: 180 })]);

    expect(formatTranscript(call).split('\n')).toEqual([
      'agent  Let me put you through.',
      `  · transfer to ${HUMAN}: busy`,
      'agent  Everyone is busy right now, please hold.',
      `  · the caller waits in queue ${QUEUE}, behind 2 other caller(s)`,
      'agent  You are number 3 in line.',
      `agent  [plays ${MUSIC}, 16 s]`,
      'agent  You are number 2 in line.',
      `agent  [plays ${MUSIC}, 16 s]`,
      'agent  You are number 2 in line.',
      `agent  [plays ${MUSIC}, 16 s]`,
      'agent  You are number 1 in line.',
      `  · staff (${STAFF}) took the caller from queue ${QUEUE} after 60 s; they talked for 120 s`,
      `— the call was put through, 180 s, 0 caller turn(s), waited 60 s in queue ${QUEUE}: bridged`,
    ]);
    expect(call.outcome).toMatchObject({ endedBy: 'transfer', durationSeconds: 180, queues: [{ name: QUEUE, result: 'bridged', waitedSeconds: 60 }] });
    expect(app.received.at(-1)!.body).toMatchObject({ call_status: 'completed', duration: 180 });
  });

  it('takes the caller out after the application\'s maximum wait (leave), and the follow-up takes a message', async () => {
    await withApp((path, body) => {
      switch (path) {
        case '/hooks/jambonz/call':
          return [dial()];
        case '/hooks/jambonz/dial':
          return sayThen('Please hold.', enqueue);
        case '/hooks/jambonz/queue-wait': {
          const waited = body.queue_time as number;
          if (waited >= 60) return [{ verb: 'leave' }, { verb: 'say', text: 'never played' }];
          const hold = { verb: 'pause', length: Math.min(20, 60 - waited) };
          return waited === 0 ? sayThen('Thank you for holding.', hold) : [hold];
        }
        case '/hooks/jambonz/queue':
          return [offer('No one is free yet. Press 1 to leave a message, or 2 to be called back.')];
        case '/hooks/jambonz/transfer-followup':
          return [messagePrompt];
        default:
          return sayThen('Thank you. Goodbye.', { verb: 'hangup' });
      }
    });
    const call = await simulator({ dial: () => 'no-answer' }).call({ from: CALLER, to: BUSINESS, input: scriptedCaller(['[press 1]', 'Please move my cleaning to next week']) });

    expect(hooksTo('/hooks/jambonz/queue-wait').map((r) => r.queue_time)).toEqual([0, 23, 43, 61]);
    expect(hooksTo('/hooks/jambonz/queue')).toEqual([expect.objectContaining({ queue_result: 'leave', queue_time: 61 })]);
    expect(hooksTo('/hooks/jambonz/transfer-followup')[0]).toMatchObject({ reason: 'dtmfDetected', digits: '1' });
    expect(textOf(call)).toEqual([
      `system: transfer to ${HUMAN}: no-answer`,
      'agent: Please hold.',
      `system: the caller waits in queue ${QUEUE}`,
      'agent: Thank you for holding.',
      'system: on hold in silence, 20 s',
      'system: on hold in silence, 20 s',
      'system: on hold in silence, 17 s',
      `system: the caller left queue ${QUEUE} after 61 s (leave)`,
      'agent: No one is free yet. Press 1 to leave a message, or 2 to be called back.',
      'caller: 1',
      'agent: Please leave your message after the tone.',
      'caller: Please move my cleaning to next week',
      'agent: Thank you. Goodbye.',
      'system: the agent hung up',
    ]);
    expect(call.outcome).toMatchObject({ endedBy: 'agent', queues: [{ name: QUEUE, result: 'leave', waitedSeconds: 61 }], durationSeconds: 61 });
  });

  it('a caller who hangs up while waiting: the queue hook hears hangup, nothing after it plays, and the call completes', async () => {
    await withApp((path) => {
      if (path === '/hooks/jambonz/call') return [enqueue, { verb: 'say', text: 'never played' }];
      if (path === '/hooks/jambonz/queue-wait') return [{ verb: 'play', url: MUSIC, loop: 'forever' }];
      return [{ verb: 'say', text: 'the caller is gone' }];
    });
    const call = await simulator({ queue: () => ({ result: 'hangup', afterSeconds: 45 }) }).call({ from: CALLER, to: BUSINESS, input: scriptedCaller([]) });
    // Music without an end plays until the caller gives up: one round.
    expect(hooksTo('/hooks/jambonz/queue-wait')).toHaveLength(1);
    expect(hooksTo('/hooks/jambonz/queue')).toEqual([expect.objectContaining({ queue_result: 'hangup', queue_time: 45 })]);
    expect(textOf(call).slice(-2)).toEqual([`agent: [plays ${MUSIC}, 45 s]`, `system: the caller hung up after waiting 45 s in queue ${QUEUE}`]);
    expect(call.outcome).toMatchObject({ endedBy: 'caller', queues: [{ result: 'hangup', waitedSeconds: 45 }] });
    expect(app.statuses().at(-1)).toBe('completed');
  });

  it('an empty wait answer stops the rounds: the caller waits in silence until the outcome (a bridge error here)', async () => {
    await withApp((path) => {
      if (path === '/hooks/jambonz/call') return [enqueue];
      if (path === '/hooks/jambonz/queue') return sayThen('Sorry, something went wrong.', { verb: 'hangup' });
      return [];
    });
    const call = await simulator({ queue: { result: 'error', afterSeconds: 30 } }).call({ from: CALLER, to: BUSINESS, input: scriptedCaller([]) });
    expect(hooksTo('/hooks/jambonz/queue-wait')).toHaveLength(1);
    expect(hooksTo('/hooks/jambonz/queue')).toEqual([expect.objectContaining({ queue_result: 'error', queue_time: 30 })]);
    expect(call.outcome).toMatchObject({ endedBy: 'agent', queues: [{ result: 'error', waitedSeconds: 30 }] });
  });

  it('without a queue script nobody takes the caller, who gives up after ten minutes', async () => {
    await withApp((path) => (path === '/hooks/jambonz/queue-wait' ? [{ verb: 'pause', length: 120 }] : path === '/hooks/jambonz/call' ? [enqueue] : []));
    const call = await simulator().call({ from: CALLER, to: BUSINESS, input: scriptedCaller([]) });
    expect(hooksTo('/hooks/jambonz/queue-wait').map((r) => [r.queue_time, r.queue_position])).toEqual([
      [0, 0],
      [121, 0],
      [241, 0],
      [362, 0],
      [482, 0],
    ]);
    expect(call.outcome).toMatchObject({ endedBy: 'caller', queues: [{ result: 'hangup', waitedSeconds: 600 }] });
  });

  it('refuses a wait answer jambonz would not run there, a leave outside a queue, and a bad queue script, by name', async () => {
    await withApp((path) => (path === '/hooks/jambonz/call' ? [enqueue] : [{ verb: 'redirect', actionHook: '/hooks/jambonz/elsewhere' }]));
    const refused = (await simulator({ queue: { result: 'bridged', afterSeconds: 30 } })
      .call({ from: CALLER, to: BUSINESS, input: scriptedCaller([]) })
      .catch((e: unknown) => e)) as SimulatorError;
    expect(refused).toMatchObject({ code: 'simulator.invalid_verbs', params: { verb: 'redirect' } });
    expect(refused.message).toContain('only play, say, pause, leave and tag');
    expect(refused.call!.transcript.map((e) => e.text)).toEqual([`the caller waits in queue ${QUEUE}`]);
    await app.stop();

    await withApp(() => [{ verb: 'say', text: 'Hello' }, { verb: 'leave' }]);
    await expect(simulator().call({ from: CALLER, to: BUSINESS, input: scriptedCaller([]) })).rejects.toMatchObject({ code: 'simulator.unsupported_verb', params: { verb: 'leave' } });
    await app.stop();

    await withApp(() => [enqueue]);
    expect(() => simulator({ queue: { result: 'bridged', afterSeconds: -1 } })).toThrow(expect.objectContaining({ code: 'simulator.bad_request', params: { field: 'queue.afterSeconds' } }));
    expect(() => simulator({ queue: { result: 'answered' as 'bridged', afterSeconds: 5 } })).toThrow(/queue\.result/);
    expect(() => simulator({ dequeue: { result: 'bridged' as 'complete' } })).toThrow(/dequeue\.result/);
    // A script chosen per queue is checked when the queue is reached, and the call so far comes with the error.
    const late = (await simulator({ queue: () => ({ result: 'bridged', afterSeconds: 10, ahead: 1.5 }) })
      .call({ from: CALLER, to: BUSINESS, input: scriptedCaller([]) })
      .catch((e: unknown) => e)) as SimulatorError;
    expect(late).toMatchObject({ code: 'simulator.bad_request', params: { field: 'queue.ahead' } });
    expect(late.call).not.toBeNull();
    expect(app.paths()).not.toContain('/hooks/jambonz/queue-wait');
  });

  describe('a staff phone takes the next caller (dequeue)', () => {
    const staffAnswer = (timeout?: number) => (path: string, body: Record<string, unknown>) => {
      if (path === '/hooks/jambonz/call') {
        return sayThen('Connecting you to the next caller in line.', { verb: 'dequeue', name: QUEUE, actionHook: '/hooks/jambonz/dequeue', beep: true, ...(timeout ? { timeout } : {}) });
      }
      return body.dequeue_result === 'complete' ? [{ verb: 'hangup' }] : sayThen('No one is waiting in line right now. Goodbye.', { verb: 'hangup' });
    };

    it('bridges the waiting caller, and the dequeue hook hears complete once they are done', async () => {
      await withApp(staffAnswer(6));
      const call = await simulator({ dequeue: { result: 'complete', caller: CALLER, talkSeconds: 90 } }).call({ from: STAFF, to: BUSINESS, input: scriptedCaller([]) });
      expect(hooksTo('/hooks/jambonz/dequeue')).toEqual([expect.objectContaining({ call_sid: call.callSid, from: STAFF, dequeue_result: 'complete' })]);
      expect(formatTranscript(call).split('\n')).toEqual([
        'agent  Connecting you to the next caller in line.',
        `  · took ${CALLER} from queue ${QUEUE} (beep); they talked for 90 s`,
        '  · the agent hung up',
        `— the agent hung up, 91 s, 0 caller turn(s), dequeue from ${QUEUE}: complete`,
      ]);
      expect(call.outcome.dequeues).toEqual([{ name: QUEUE, result: 'complete' }]);
    });

    it('finds nobody by default: timeout after the verb\'s timeout, or the staff member hangs up when it has none', async () => {
      await withApp(staffAnswer(6));
      const empty = await simulator().call({ from: STAFF, to: BUSINESS, input: scriptedCaller([]) });
      expect(hooksTo('/hooks/jambonz/dequeue')).toEqual([expect.objectContaining({ dequeue_result: 'timeout' })]);
      expect(textOf(empty).slice(1)).toEqual([`system: nobody was waiting in queue ${QUEUE} (timeout after 6 s)`, 'agent: No one is waiting in line right now. Goodbye.', 'system: the agent hung up']);
      expect(empty.outcome).toMatchObject({ endedBy: 'agent', durationSeconds: 6 });
      await app.stop();

      await withApp(staffAnswer());
      const endless = await simulator().call({ from: STAFF, to: BUSINESS, input: scriptedCaller([]) });
      expect(app.paths()).not.toContain('/hooks/jambonz/dequeue');
      expect(endless.outcome).toMatchObject({ endedBy: 'caller', durationSeconds: 30, dequeues: [] });
      expect(textOf(endless).at(-1)).toBe(`system: nobody was waiting in queue ${QUEUE}; the staff member hung up after 30 s`);
    });

    it('tells the dequeue hook hangup when the bridge fails', async () => {
      await withApp(staffAnswer(6));
      const call = await simulator({ dequeue: () => ({ result: 'hangup' }) }).call({ from: STAFF, to: BUSINESS, input: scriptedCaller([]) });
      expect(hooksTo('/hooks/jambonz/dequeue')).toEqual([expect.objectContaining({ dequeue_result: 'hangup' })]);
      expect(call.outcome.dequeues).toEqual([{ name: QUEUE, result: 'hangup' }]);
    });
  });
});
