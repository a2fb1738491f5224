import {
  type CallVoice,
  HOOK_PATHS,
  dequeueVerbs,
  enqueueVerbs,
  hangupVerbs,
  listenVerbs,
  noticeVerbs,
  offerVerbs,
  queueWaitVerbs,
  safeVerbs,
  spokenText,
  transferVerbs,
  verbProblem,
  voicemailVerbs,
  whisperVerbs,
} from './jambonz-verbs';

const VOICE: CallVoice = {
  synthesizer: { vendor: 'elevenlabs', voice: 'voice-123', language: 'en-US', label: 'client-own' },
  recognizer: { vendor: 'default', language: 'en-US' },
};

describe('jambonz verbs', () => {
  it('listens with barge-in after the agent speaks, in the client\'s voice, and sends the result to the turn hook', () => {
    const verbs = listenVerbs('How can I help?', VOICE);
    expect(verbProblem(verbs)).toBeNull();
    expect(verbs).toEqual([
      expect.objectContaining({
        verb: 'gather',
        input: ['speech', 'digits'],
        bargein: true,
        actionHook: HOOK_PATHS.turn,
        recognizer: VOICE.recognizer,
        say: { text: 'How can I help?', synthesizer: VOICE.synthesizer },
      }),
    ]);
  });

  it('transfers with dial to a phone target after speaking, the result going to the dial hook', () => {
    const verbs = transferVerbs('Putting you through.', '+15550009999', VOICE);
    expect(verbProblem(verbs)).toBeNull();
    expect(verbs).toEqual([
      { verb: 'say', text: 'Putting you through.', synthesizer: VOICE.synthesizer },
      expect.objectContaining({ verb: 'dial', target: [{ type: 'phone', number: '+15550009999' }], actionHook: HOOK_PATHS.dial }),
    ]);
  });

  it('adds a confirmHook to the dial for a warm transfer, and whispers with say only', () => {
    const cold = transferVerbs('Putting you through.', '+15550009999', VOICE);
    expect(cold[1]).not.toHaveProperty('confirmHook');
    const warm = transferVerbs('Putting you through.', '+15550009999', VOICE, [], { whisper: true });
    expect(verbProblem(warm)).toBeNull();
    expect(warm[1]).toMatchObject({ verb: 'dial', confirmHook: HOOK_PATHS.whisper, actionHook: HOOK_PATHS.dial });
    const whisper = whisperVerbs('Maria is calling about a toothache.', VOICE);
    expect(verbProblem(whisper)).toBeNull();
    expect(whisper).toEqual([{ verb: 'say', text: 'Maria is calling about a toothache.', synthesizer: VOICE.synthesizer }]);
  });

  it('offers a message or a call back as a gather of speech or one key, answered at the follow-up hook', () => {
    const verbs = offerVerbs('A message, or a call back?', VOICE);
    expect(verbProblem(verbs)).toBeNull();
    expect(verbs).toEqual([
      expect.objectContaining({ verb: 'gather', input: ['speech', 'digits'], numDigits: 1, actionHook: HOOK_PATHS.followup, say: { text: 'A message, or a call back?', synthesizer: VOICE.synthesizer } }),
    ]);
  });

  it('enqueues with the queue and wait hooks, and plays a wait round as music cut at its length, silence, or leave', () => {
    const enqueue = enqueueVerbs('Please hold.', 'tero-abc', VOICE);
    expect(verbProblem(enqueue)).toBeNull();
    expect(enqueue[1]).toEqual({ verb: 'enqueue', name: 'tero-abc', actionHook: HOOK_PATHS.queue, waitHook: HOOK_PATHS.queueWait });

    const music = queueWaitVerbs({ announce: 'You are number 2 in line.', musicUrl: 'https://cdn.example/hold.mp3', seconds: 30 }, VOICE);
    expect(verbProblem(music)).toBeNull();
    expect(music).toEqual([
      { verb: 'say', text: 'You are number 2 in line.', synthesizer: VOICE.synthesizer },
      { verb: 'play', url: 'https://cdn.example/hold.mp3', loop: 'forever', timeoutSecs: 30 },
    ]);
    const silence = queueWaitVerbs({ seconds: 12.4 }, VOICE);
    expect(verbProblem(silence)).toBeNull();
    expect(silence).toEqual([{ verb: 'pause', length: 12 }]);
    expect(queueWaitVerbs({ seconds: 0, leave: true, announce: 'ignored' }, VOICE)).toEqual([{ verb: 'leave' }]);
    expect(verbProblem([{ verb: 'leave' }])).toBeNull();
    // Only play, say, pause, leave (and tag) are allowed in a waitHook's answer.
    for (const round of [music, silence]) for (const verb of round) expect(['play', 'say', 'pause', 'leave']).toContain(verb.verb);
  });

  it('dequeues for a staff phone with a timeout, so that an empty queue ends at the dequeue hook', () => {
    const verbs = dequeueVerbs('Connecting you.', 'tero-abc', VOICE);
    expect(verbProblem(verbs)).toBeNull();
    expect(verbs[1]).toMatchObject({ verb: 'dequeue', name: 'tero-abc', actionHook: HOOK_PATHS.dequeue, beep: true });
    expect(verbs[1]!.timeout).toEqual(expect.any(Number));
    expect(Number(verbs[1]!.timeout)).toBeGreaterThan(0);
  });

  it('takes a voicemail as a speech gather whose transcript goes to the voicemail hook', () => {
    const verbs = voicemailVerbs('Please leave a message.', VOICE);
    expect(verbProblem(verbs)).toBeNull();
    expect(verbs[1]).toEqual(expect.objectContaining({ verb: 'gather', input: ['speech'], actionHook: HOOK_PATHS.voicemail, bargein: false }));
  });

  it('hangs up after the goodbye, and speaks notices before recording starts', () => {
    expect(verbProblem(hangupVerbs('Goodbye!', VOICE))).toBeNull();
    expect(hangupVerbs('Goodbye!', VOICE).map((v) => v.verb)).toEqual(['say', 'hangup']);
    const notice = noticeVerbs('This call is recorded.', VOICE, { siprecServerURL: 'sip:srs@recorder.example', recordingID: 'call-1' });
    expect(verbProblem(notice)).toBeNull();
    expect(notice.map((v) => v.verb)).toEqual(['say', 'config']);
    expect(notice[1]).toEqual({ verb: 'config', record: { action: 'startCallRecording', siprecServerURL: 'sip:srs@recorder.example', recordingID: 'call-1' } });
    const all = listenVerbs('Hello!', VOICE, notice);
    expect(verbProblem(all)).toBeNull();
    expect(spokenText(all)).toEqual(['This call is recorded.', 'Hello!']);
  });

  it('has a static safe response jambonz accepts', () => {
    expect(verbProblem(safeVerbs('Sorry, goodbye.'))).toBeNull();
  });

  it('judges a response as jambonz receives it, its JSON, and gives the same verdict when asked again', () => {
    const withUndefined = [{ verb: 'say', text: 'Hello', synthesizer: undefined }];
    expect(verbProblem(withUndefined)).toBeNull();
    expect(verbProblem(withUndefined)).toBeNull();
    const bad = [{ verb: 'dial', actionHook: '/x' }];
    expect(verbProblem(bad)).toMatch(/dial: missing value for target/);
    expect(verbProblem(JSON.parse(JSON.stringify(bad)))).toMatch(/dial: missing value for target/);
  });

  it('reports what jambonz would refuse, in its own words', () => {
    expect(verbProblem([{ verb: 'dial', actionHook: '/x' }])).toMatch(/dial: missing value for target/);
    expect(verbProblem({ verb: 'say' })).toMatch(/must be array/);
    expect(verbProblem([{ verb: 'speak', text: 'hi' }])).toMatch(/invalid instruction: speak/);
  });

  it('reports a verb with a property jambonz does not know (building does not check; the first hook does)', () => {
    const verbs = listenVerbs('x', { ...VOICE, recognizer: { ...VOICE.recognizer, colour: 'blue' } as never });
    expect(verbProblem(verbs)).toMatch(/unknown property colour/);
  });

  it('builds the same JSON as @jambonz/node-client\'s WebhookResponse', () => {
    const { WebhookResponse } = require('@jambonz/node-client') as { WebhookResponse: new () => Record<string, (payload?: unknown) => unknown> & { toJSON(): unknown } };
    const expected = new WebhookResponse();
    expected.say({ text: 'This call is recorded.', synthesizer: VOICE.synthesizer });
    expected.config({ record: { action: 'startCallRecording', siprecServerURL: 'sip:srs@recorder.example', recordingID: 'call-1' } });
    expected.gather({
      input: ['speech', 'digits'],
      actionHook: HOOK_PATHS.turn,
      bargein: true,
      dtmfBargein: true,
      finishOnKey: '#',
      interDigitTimeout: 4,
      timeout: 8,
      recognizer: VOICE.recognizer,
      say: { text: 'Hello!', synthesizer: VOICE.synthesizer },
    });
    const notice = noticeVerbs('This call is recorded.', VOICE, { siprecServerURL: 'sip:srs@recorder.example', recordingID: 'call-1' });
    expect(JSON.stringify(listenVerbs('Hello!', VOICE, notice))).toBe(JSON.stringify(expected.toJSON()));
  });
});
