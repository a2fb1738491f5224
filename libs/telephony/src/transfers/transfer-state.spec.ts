import { canCallBack, dialConnected, isStaffNumber, lastFour, newTransfer, queueNameOf, speakableNumber } from './transfer-state';

describe('transfer state', () => {
  it('starts dialing, cold unless a whisper is given, with nothing known yet', () => {
    expect(newTransfer('+15550100199', 'human')).toMatchObject({ to: '+15550100199', reason: 'human', step: 'dialing', whisper: null, dialStatus: null, notified: false, queue: null });
    expect(newTransfer('+15550100199', 'emergency', 'Urgent call.').whisper).toBe('Urgent call.');
  });

  it('counts only an answered dial as connected', () => {
    for (const status of ['completed', 'answered', 'in-progress']) expect(dialConnected(status)).toBe(true);
    for (const status of ['no-answer', 'busy', 'failed', 'canceled']) expect(dialConnected(status)).toBe(false);
  });

  it('names one queue per client, distinct for clients created in the same instant', () => {
    const a = queueNameOf('0195f3a2-7c00-7abc-8def-000000000001');
    const b = queueNameOf('0195f3a2-7c00-7abc-8def-000000000002');
    expect(a).toBe('tero-0195f3a27c007abc8def000000000001');
    expect(a).not.toBe(b);
  });

  it('recognises a staff phone whatever its formatting, and nobody when there are none', () => {
    expect(isStaffNumber(['+1 (555) 010-0177'], '+15550100177')).toBe(true);
    expect(isStaffNumber(['+15550100177'], '+15550100178')).toBe(false);
    expect(isStaffNumber(null, '+15550100177')).toBe(false);
    expect(isStaffNumber(['anonymous'], 'anonymous')).toBe(false);
  });

  it('calls back only a phone number, and reads it back digit by digit', () => {
    expect(canCallBack('+15557770001')).toBe(true);
    expect(canCallBack('anonymous')).toBe(false);
    expect(canCallBack('sip:bob@example.com')).toBe(false);
    expect(lastFour('+15557770001')).toBe('0001');
    expect(speakableNumber('+15557770001')).toBe('1, 5 5 5, 7 7 7, 0 0 0 1');
    expect(speakableNumber('+442071234567')).toBe('4 4, 2 0 7, 1 2 3, 4 5 6 7');
    expect(speakableNumber('911')).toBe('9 1 1');
  });
});
