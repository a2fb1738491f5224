import { verbProblem } from '../jambonz-verbs';
import { basicAuthorization } from './listen-auth';
import { listenConfigVerb, listenSettings, listenUrl } from './listen-verb';

const appSecret = 'an-app-secret-of-at-least-32-characters!';

describe('the listen verb that starts a recording', () => {
  it('points at the public host over ws(s), whatever path PUBLIC_URL has', () => {
    expect(listenUrl('https://voice.example.com')).toBe('wss://voice.example.com/hooks/jambonz/listen');
    expect(listenUrl('http://localhost:3000/')).toBe('ws://localhost:3000/hooks/jambonz/listen');
    expect(listenUrl('https://voice.example.com:8443/app')).toBe('wss://voice.example.com:8443/hooks/jambonz/listen');
    expect(() => listenUrl('ftp://voice.example.com')).toThrow(/http\(s\)/);
  });

  it('is a config verb with a background listen jambonz accepts, after a notice and before the conversation', () => {
    const settings = listenSettings({ publicUrl: 'https://voice.example.com', appSecret });
    const verb = listenConfigVerb('3f2a-call', settings);
    expect(verb).toEqual({
      verb: 'config',
      listen: {
        enable: true,
        url: 'wss://voice.example.com/hooks/jambonz/listen',
        sampleRate: 8000,
        mixType: 'mixed',
        wsAuth: { username: '3f2a-call', password: expect.any(String) },
        maxLength: 14_400,
        bidirectionalAudio: { enabled: false },
      },
    });
    const response = [{ verb: 'say', text: 'This call is recorded.' }, verb, { verb: 'gather', input: ['speech'], actionHook: '/hooks/jambonz/turn', say: { text: 'Hello' } }];
    expect(verbProblem(response)).toBeNull();
    // The credentials in the verb are the ones the endpoint accepts for that call.
    const wsAuth = (verb.listen as { wsAuth: { username: string; password: string } }).wsAuth;
    expect(settings.auth.verify(basicAuthorization(wsAuth))).toEqual({ ok: true, callSid: '3f2a-call' });
  });

  it('takes another format when asked, and refuses one jambonz does not stream', () => {
    const stereo = listenConfigVerb('c', listenSettings({ publicUrl: 'http://localhost:3000', appSecret, sampleRate: 16_000, mixType: 'stereo', maxSeconds: 600 }));
    expect(stereo.listen).toMatchObject({ sampleRate: 16_000, mixType: 'stereo', maxLength: 600 });
    expect(verbProblem([stereo])).toBeNull();
    expect(() => listenSettings({ publicUrl: 'http://localhost:3000', appSecret, sampleRate: 11_025 as never })).toThrow(/sampleRate 11025/);
    expect(() => listenSettings({ publicUrl: 'http://localhost:3000', appSecret, mixType: 'surround' as never })).toThrow(/mixType/);
    expect(() => listenSettings({ publicUrl: 'http://localhost:3000', appSecret, maxSeconds: 0 })).toThrow(/maxSeconds/);
  });
});
