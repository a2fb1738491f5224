import { claimsBooking } from './booking-claim';

describe('claimsBooking', () => {
  it.each([
    ['en', "You're booked for a cleaning on Tuesday at 9."],
    ['en', 'Great, your cleaning is now booked for Tuesday March 10 at 9:00 AM.'],
    ['en', "I've booked you in with Dr. Patel."],
    ['en', 'Your appointment is confirmed.'],
    ['es', 'Listo, Lucía: su revisión queda reservada para el jueves a las 15:00.'],
    ['es', 'Le he reservado la cita del jueves.'],
    ['es', 'Su cita está confirmada.'],
    ['fr', "C'est bien réservé : détartrage lundi à 9 h."],
    ['fr', 'Votre rendez-vous est confirmé pour lundi.'],
    ['fr', "J'ai pris votre rendez-vous pour lundi."],
  ])('hears a claim in %s: %s', (locale, text) => {
    expect(claimsBooking(text, locale)).toBe(true);
  });

  it.each([
    ['en', 'Shall I book Tuesday at 9 for you?'],
    ['en', 'It is not booked yet: which time suits you?'],
    ['en', 'Would you like me to get that booked?'],
    ['en', 'Your callback number is confirmed as 555 014 2233.'],
    ['es', '¿Quiere que le reserve el jueves a las 15:00?'],
    ['es', 'Todavía no está reservada.'],
    ['fr', 'Voulez-vous que je réserve lundi à 9 h ?'],
    ['fr', "Votre message est bien noté, le docteur vous rappellera."],
  ])('hears no claim in %s: %s', (locale, text) => {
    expect(claimsBooking(text, locale)).toBe(false);
  });
});
