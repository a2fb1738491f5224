import { parseCallerLine, scenarioCallerLines, scriptedCaller } from './caller-scripts';
import { JambonzSimulator } from './jambonz-simulator';
import { SimulatorError } from './simulator.error';
import type { JambonzSimulatorOptions } from './simulator.types';
import { ScriptedWebhookApp } from './testing/scripted-webhook-app';
import { formatTranscript } from './transcript-format';

const SECRET = 'wh_secret_simulator_spec';

const gather = (prompt: string, extra: Record<string, unknown> = {}) => ({
  verb: 'gather',
  input: ['speech', 'digits'],
  actionHook: '/hooks/jambonz/turn',
  say: { text: prompt },
  ...extra,
});

describe('JambonzSimulator', () => {
  let app: ScriptedWebhookApp;
  let now: number;

  function simulator(options: Partial<JambonzSimulatorOptions> = {}) {
    return new JambonzSimulator({ baseUrl: app.url, secret: SECRET, accountSid: 'acct-1', clock: () => now, ...options });
  }

  async function withApp(answer: ConstructorParameters<typeof ScriptedWebhookApp>[0], verifySecret = SECRET) {
    app = await new ScriptedWebhookApp(answer, verifySecret).start();
  }

  beforeEach(() => {
    now = Date.UTC(2026, 10, 24, 14, 0, 0);
  });
  afterEach(async () => {
    await app?.stop();
  });

  it('plays a whole call: signed call hook, gathers to the action hook, status callbacks with the duration', async () => {
    await withApp((path, _body, count) => {
      if (path === '/hooks/jambonz/call') return [{ verb: 'say', text: 'Thanks for calling Bright Smile.' }, gather('How can I help?')];
      now += 20_000;
      if (count === 1) return [{ verb: 'say', text: 'Tuesday at 9 works.' }, gather('Shall I book it?')];
      return [{ verb: 'say', text: 'Booked. Goodbye!' }, { verb: 'hangup' }];
    });
    const call = await simulator().call({
      from: '+15550142233',
      to: '+15551230000',
      callerName: 'Maria Lopez',
      language: 'en-US',
      input: scriptedCaller(['I need a cleaning next Tuesday morning', 'Yes please']),
    });

    expect(app.received.every((r) => r.signatureValid)).toBe(true);
    expect(app.paths()).toEqual([
      '/hooks/jambonz/call',
      '/hooks/jambonz/status',
      '/hooks/jambonz/status',
      '/hooks/jambonz/status',
      '/hooks/jambonz/turn',
      '/hooks/jambonz/turn',
      '/hooks/jambonz/status',
    ]);
    const first = app.received[0].body;
    expect(first).toMatchObject({
      call_sid: call.callSid,
      direction: 'inbound',
      from: '+15550142233',
      to: '+15551230000',
      caller_name: 'Maria Lopez',
      call_status: 'trying',
      sip_status: 100,
      account_sid: 'acct-1',
      originating_sip_trunk_name: 'simulator',
      defaults: { recognizer: { language: 'en-US' } },
    });
    for (const key of ['call_id', 'application_sid', 'service_provider_sid']) expect(typeof first[key]).toBe('string');
    expect((first.sip as { headers: Record<string, string> }).headers.from).toContain('Maria Lopez');

    const turn = app.received[4].body;
    expect(turn).toMatchObject({ call_sid: call.callSid, reason: 'speechDetected', call_status: 'in-progress' });
    expect((turn.speech as { alternatives: { transcript: string; confidence: number }[] }).alternatives[0]).toEqual({
      transcript: 'I need a cleaning next Tuesday morning',
      confidence: 0.92,
    });
    expect(app.statuses()).toEqual(['trying', 'ringing', 'in-progress', 'completed']);
    expect(app.received.at(-1)!.body.duration).toBe(40);

    expect(call.transcript.map((e) => `${e.speaker}: ${e.text}`)).toEqual([
      'agent: Thanks for calling Bright Smile.',
      'agent: How can I help?',
      'caller: I need a cleaning next Tuesday morning',
      'agent: Tuesday at 9 works.',
      'agent: Shall I book it?',
      'caller: Yes please',
      'agent: Booked. Goodbye!',
      'system: the agent hung up',
    ]);
    expect(call.outcome).toMatchObject({ endedBy: 'agent', durationSeconds: 40, callerTurns: 2, transfers: [], voicemail: null });
    expect(call.exchanges.filter((x) => x.hook === 'action').every((x) => x.status === 200 && x.verbs !== null)).toBe(true);
    expect(formatTranscript(call)).toContain('— the agent hung up, 40 s, 2 caller turn(s)');
  });

  it('sends timeout for silence, dtmfDetected with the digits, and timeout for speech a digits-only gather cannot hear', async () => {
    await withApp((path, _body, count) => {
      if (path === '/hooks/jambonz/call') return [gather('Say or press something')];
      if (count === 1) return [gather('Press a key', { input: ['digits'] })];
      if (count === 2) return [gather('Once more', { input: ['digits'] })];
      return [{ verb: 'hangup' }];
    });
    const call = await simulator().call({ from: '+15550000001', to: '+15551230000', input: scriptedCaller(['[silence]', '[press 0]', 'operator please']) });
    const turns = app.received.filter((r) => r.path === '/hooks/jambonz/turn').map((r) => r.body);
    expect(turns[0]).toMatchObject({ reason: 'timeout' });
    expect(turns[0].speech).toBeUndefined();
    expect(turns[1]).toMatchObject({ reason: 'dtmfDetected', digits: '0' });
    expect(turns[2]).toMatchObject({ reason: 'timeout' });
    expect(call.transcript.filter((e) => e.speaker === 'caller').map((e) => e.kind)).toEqual(['silence', 'dtmf', 'speech']);
  });

  it('reports stt-low-confidence when the recognizer sets a minimum the caller falls below', async () => {
    await withApp((path) => (path === '/hooks/jambonz/call' ? [gather('Yes?', { recognizer: { vendor: 'google', minConfidence: 0.6 } })] : [{ verb: 'hangup' }]));
    await simulator().call({ from: '+15550000001', to: '+15551230000', input: scriptedCaller([{ speech: 'mumble', confidence: 0.3 }]) });
    expect(app.received.find((r) => r.path === '/hooks/jambonz/turn')!.body.reason).toBe('stt-low-confidence');
  });

  it('lets the verbs left continue after an empty action-hook answer, and replaces them after a non-empty one', async () => {
    await withApp((path, _body, count) => {
      if (path === '/hooks/jambonz/call') return [gather('First?'), { verb: 'say', text: 'still here' }, gather('Second?'), { verb: 'say', text: 'never said' }];
      if (count === 1) return [];
      return [{ verb: 'say', text: 'replaced' }];
    });
    const call = await simulator().call({ from: '+15550000001', to: '+15551230000', input: scriptedCaller(['one', 'two']) });
    expect(call.transcript.filter((e) => e.speaker === 'agent').map((e) => e.text)).toEqual(['First?', 'still here', 'Second?', 'replaced']);
    expect(call.outcome.endedBy).toBe('application');
    expect(app.statuses().at(-1)).toBe('completed');
  });

  it('posts the dial result to its action hook: no-answer with 487, and a completed transfer ends the call', async () => {
    const dialled: string[] = [];
    await withApp((path, body) => {
      if (path === '/hooks/jambonz/call') return [{ verb: 'say', text: 'Putting you through.' }, { verb: 'dial', target: [{ type: 'phone', number: '+15559990000' }], actionHook: '/hooks/jambonz/dial' }];
      dialled.push(`${body.dial_call_status}/${body.dial_sip_status}`);
      return body.dial_call_status === 'completed' ? [] : [{ verb: 'say', text: 'Nobody answered, leave a message.' }, { verb: 'hangup' }];
    });
    const failed = await simulator({ dial: () => 'no-answer' }).call({ from: '+15550000001', to: '+15551230000', input: scriptedCaller([]) });
    expect(dialled).toEqual(['no-answer/487']);
    expect(failed.outcome).toMatchObject({ endedBy: 'agent', transfers: [{ to: '+15559990000', status: 'no-answer' }] });

    const put = await simulator().call({ from: '+15550000001', to: '+15551230000', input: scriptedCaller([]) });
    expect(dialled).toEqual(['no-answer/487', 'completed/200']);
    expect(put.outcome).toMatchObject({ endedBy: 'transfer', transfers: [{ to: '+15559990000', status: 'completed' }] });
  });

  it('records a voicemail through listen: the transcription hook gets the words, then the action hook runs', async () => {
    await withApp((path) => {
      if (path === '/hooks/jambonz/call') {
        return [
          { verb: 'say', text: 'Please leave a message.' },
          { verb: 'listen', url: 'wss://example.test/record', actionHook: '/hooks/jambonz/voicemail', transcribe: { transcriptionHook: '/hooks/jambonz/voicemail-text' } },
        ];
      }
      if (path === '/hooks/jambonz/voicemail') return [{ verb: 'say', text: 'Thanks, goodbye.' }, { verb: 'hangup' }];
      return [];
    });
    const call = await simulator().call({ from: '+15550000001', to: '+15551230000', input: scriptedCaller(['Call me back at 555 0100 about my bill']) });
    const text = app.received.find((r) => r.path === '/hooks/jambonz/voicemail-text')!.body;
    expect((text.speech as { alternatives: { transcript: string }[] }).alternatives[0].transcript).toBe('Call me back at 555 0100 about my bill');
    expect(app.paths()).toContain('/hooks/jambonz/voicemail');
    expect(call.outcome).toMatchObject({ voicemail: 'Call me back at 555 0100 about my bill', endedBy: 'agent' });
  });

  it('notes when config starts the recording, after how many agent lines, and carries tag data on later hooks', async () => {
    await withApp((path) =>
      path === '/hooks/jambonz/call'
        ? [
            { verb: 'say', text: 'This call is recorded and I am a virtual assistant.' },
            { verb: 'config', record: { action: 'startCallRecording', siprecServerURL: 'sip:recorder@127.0.0.1' } },
            { verb: 'tag', data: { clientId: 'c-1' } },
            gather('How can I help?'),
          ]
        : [{ verb: 'hangup' }],
    );
    const call = await simulator().call({ from: '+15550000001', to: '+15551230000', input: scriptedCaller(['hello']) });
    expect(call.outcome.recording).toEqual({ started: true, agentLinesBefore: 1 });
    expect(app.received.find((r) => r.path === '/hooks/jambonz/turn')!.body.customerData).toEqual({ clientId: 'c-1' });
  });

  it('ends on the caller hanging up during a gather without posting its action hook', async () => {
    await withApp((path) => (path === '/hooks/jambonz/call' ? [gather('Hello?')] : [{ verb: 'hangup' }]));
    const call = await simulator().call({ from: '+15550000001', to: '+15551230000', input: scriptedCaller([]) });
    expect(app.paths()).not.toContain('/hooks/jambonz/turn');
    expect(call.outcome).toMatchObject({ endedBy: 'caller', callerTurns: 0 });
    expect(app.statuses()).toEqual(['trying', 'ringing', 'in-progress', 'completed']);
  });

  it('rejects the call like jambonz (status failed, 480) when the call hook answers verbs the validator refuses', async () => {
    await withApp(() => [{ verb: 'dial', actionHook: '/x' }]);
    const error = await simulator()
      .call({ from: '+15550000001', to: '+15551230000', input: scriptedCaller([]) })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SimulatorError);
    expect((error as SimulatorError).code).toBe('simulator.invalid_verbs');
    expect((error as SimulatorError).message).toContain('dial: missing value for target');
    expect((error as SimulatorError).call!.outcome.endedBy).toBe('rejected');
    expect(app.received.at(-1)!.body).toMatchObject({ call_status: 'failed', sip_status: 480 });
  });

  it('rejects the call when the call hook fails or answers no JSON array', async () => {
    for (const answer of [{ status: 500 }, { status: 200, body: 'ok', contentType: 'text/plain' }, [] as unknown[]]) {
      await withApp(() => answer);
      const error = (await simulator()
        .call({ from: '+15550000001', to: '+15551230000', input: scriptedCaller([]) })
        .catch((e: unknown) => e)) as SimulatorError;
      expect(error.code).toBe('simulator.hook_failed');
      expect(app.statuses()).toEqual(['failed']);
      await app.stop();
    }
  });

  it('fails on invalid verbs from an action hook, after telling the status hook the call completed', async () => {
    await withApp((path) => (path === '/hooks/jambonz/call' ? [gather('Yes?')] : [{ verb: 'say', text: 42 }]));
    const error = (await simulator()
      .call({ from: '+15550000001', to: '+15551230000', input: scriptedCaller(['hi']) })
      .catch((e: unknown) => e)) as SimulatorError;
    expect(error.code).toBe('simulator.invalid_verbs');
    expect(error.message).toContain('say: property text has invalid data type');
    expect(error.call!.transcript.map((e) => e.text)).toEqual(['Yes?', 'hi']);
    expect(app.statuses().at(-1)).toBe('completed');
  });

  it('refuses verbs and options it does not play, by name', async () => {
    await withApp(() => [{ verb: 'conference', name: 'team' }]);
    await expect(simulator().call({ from: '+1', to: '+2', input: scriptedCaller([]) })).rejects.toMatchObject({ code: 'simulator.unsupported_verb', params: { verb: 'conference' } });
    await app.stop();
    await withApp(() => [{ verb: 'config', bargeIn: { enable: true, actionHook: '/x' } }, gather('x')]);
    await expect(simulator().call({ from: '+1', to: '+2', input: scriptedCaller([]) })).rejects.toMatchObject({ code: 'simulator.unsupported_verb', params: { option: 'bargeIn' } });
  });

  it('stops an application that loops', async () => {
    await withApp(() => [gather('Again?')]);
    const forever = async () => ({ speech: 'hello' });
    await expect(simulator({ maxHooks: 12 }).call({ from: '+1', to: '+2', input: forever })).rejects.toMatchObject({ code: 'simulator.loop' });
  });

  it('signs with the account secret: an application holding another secret refuses every hook', async () => {
    await withApp(() => [{ verb: 'hangup' }], 'some-other-secret');
    await expect(simulator().call({ from: '+1', to: '+2', input: scriptedCaller([]) })).rejects.toMatchObject({ code: 'simulator.hook_failed' });
    expect(app.received[0].signatureValid).toBe(false);
    expect(app.received[0].signature).toMatch(/^t=\d{10},v1=[0-9a-f]{64}$/);
  });

  it('sends no signature for an account without a secret', async () => {
    await withApp(() => [{ verb: 'hangup' }]);
    await expect(simulator({ secret: null }).call({ from: '+1', to: '+2', input: scriptedCaller([]) })).rejects.toMatchObject({ code: 'simulator.hook_failed' });
    expect(app.received[0].signature).toBeUndefined();
  });

  it('refuses a call without numbers and a base URL that is not one, naming the field', async () => {
    await withApp(() => [{ verb: 'hangup' }]);
    await expect(simulator().call({ from: '', to: '+2', input: scriptedCaller([]) })).rejects.toMatchObject({ code: 'simulator.bad_request', params: { field: 'from' } });
    expect(() => new JambonzSimulator({ baseUrl: 'not a url', secret: null, accountSid: 'a' })).toThrow(/baseUrl/);
    expect(app.received).toHaveLength(0);
  });
});

describe('caller scripts', () => {
  it('reads speech, silence, key presses and hang-ups', () => {
    expect(parseCallerLine('book a cleaning')).toEqual({ speech: 'book a cleaning' });
    expect(parseCallerLine('[silence]')).toEqual({ silence: true });
    expect(parseCallerLine('')).toEqual({ silence: true });
    expect(parseCallerLine('[press 0]')).toEqual({ dtmf: '0' });
    expect(parseCallerLine('[DTMF 12#]')).toEqual({ dtmf: '12#' });
    expect(parseCallerLine('[hangup]')).toEqual({ hangup: true });
    expect(parseCallerLine('[press]')).toEqual({ speech: '[press]' });
  });

  it('takes the caller lines of a pack scenario or a plain list, and names a bad field', () => {
    expect(scenarioCallerLines({ turns: [{ caller: 'hi', expect: {} }, { caller: 'bye', expect: {} }] })).toEqual(['hi', 'bye']);
    expect(scenarioCallerLines({ turns: ['hi'] })).toEqual(['hi']);
    expect(() => scenarioCallerLines({ turns: [{ caller: 3 }] })).toThrow('turns[0].caller');
    expect(() => scenarioCallerLines({})).toThrow('turns');
  });
});
