import { chooseFollowUp, normalise, parseWords } from './follow-up';

const EN = { message: parseWords('message|a message|voicemail|leave|one|1'), callback: parseWords('call me back|call back|callback|call me|two|2') };
const FR = { message: parseWords('message|laisser|un|1'), callback: parseWords('rappel|rappeler|rappelez moi|deux|2') };
const speech = (text: string) => ({ kind: 'speech' as const, text });

describe('chooseFollowUp', () => {
  it('takes key 1 as a message and key 2 as a call back, any other key as no choice', () => {
    expect(chooseFollowUp({ kind: 'dtmf', digits: '1' }, EN)).toBe('message');
    expect(chooseFollowUp({ kind: 'dtmf', digits: '2' }, EN)).toBe('callback');
    expect(chooseFollowUp({ kind: 'dtmf', digits: '9' }, EN)).toBeNull();
  });

  it('recognises the words of each choice, whole words only', () => {
    expect(chooseFollowUp(speech("I'd like to leave a message"), EN)).toBe('message');
    expect(chooseFollowUp(speech('Please call me back.'), EN)).toBe('callback');
    expect(chooseFollowUp(speech('Callback please'), EN)).toBe('callback');
    // "someone" holds "one", but not as a word.
    expect(chooseFollowUp(speech('is someone there'), EN)).toBeNull();
    expect(chooseFollowUp(speech('yes'), EN)).toBeNull();
  });

  it('prefers a message when both are said: a message can ask for a call back', () => {
    expect(chooseFollowUp(speech('leave a message so they call me back'), EN)).toBe('message');
  });

  it('matches without accents or case, in the call\'s language', () => {
    expect(normalise('¿Rappelez-moi, SVP ?')).toBe('rappelez moi svp');
    expect(chooseFollowUp(speech('Rappelez-moi, s\'il vous plaît'), FR)).toBe('callback');
    expect(chooseFollowUp(speech('Je veux laisser un message'), FR)).toBe('message');
  });

  it('takes a low-confidence transcript into account but not silence or an error', () => {
    expect(chooseFollowUp({ kind: 'low-confidence', text: 'call me back' }, EN)).toBe('callback');
    expect(chooseFollowUp({ kind: 'low-confidence' }, EN)).toBeNull();
    expect(chooseFollowUp({ kind: 'silence' }, EN)).toBeNull();
    expect(chooseFollowUp({ kind: 'error' }, EN)).toBeNull();
  });
});
