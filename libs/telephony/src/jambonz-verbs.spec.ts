import { type CallVoice, HOOK_PATHS, hangupVerbs, listenVerbs, noticeVerbs, safeVerbs, spokenText, transferVerbs, verbProblem, voicemailVerbs } from './jambonz-verbs';

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
