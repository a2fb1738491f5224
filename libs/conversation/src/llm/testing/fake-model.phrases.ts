/**
 * What the scripted receptionist model says, per language: short phone lines with `{placeholders}`.
 * The model recognises where the call stands partly from its own last line, as a real model reads its
 * previous turn; the lines that ask for a decision end with a question kept in its own entry.
 */
export interface FakeModelPhrases {
  askService: string;
  askWhen: string;
  offer: string;
  askName: string;
  readBack: string;
  confirmBooking: string;
  booked: string;
  noSlots: string;
  slotGone: string;
  askMessage: string;
  askNumber: string;
  messageTaken: string;
  noBooking: string;
  found: string;
  confirmCancel: string;
  cancelled: string;
  askNewTime: string;
  offerMove: string;
  confirmMove: string;
  moved: string;
  changeFailed: string;
  anythingElse: string;
  hoursOf: string;
  transferring: string;
  noTransfer: string;
  farewell: string;
  unknown: string;
  at: string;
}

export const FAKE_MODEL_PHRASES: Record<'en' | 'es' | 'fr', FakeModelPhrases> = {
  en: {
    askService: 'Sure. Which service would you like: {services}?',
    askWhen: 'Which day and time would suit you for the {service}?',
    offer: '{day} at {time} is free for the {service}.',
    askName: 'May I have your full name, please?',
    readBack: 'So that is the {service} on {day} at {time}, for {name}, and we can reach you at {phone}.',
    confirmBooking: 'Shall I go ahead with that?',
    booked: "Done: you're booked for the {service} on {day} at {time}.",
    noSlots: 'Sorry, nothing is free for the {service} then. Would another day suit you?',
    slotGone: 'Sorry, that time has just been taken. Would another time suit you?',
    askMessage: 'Of course. May I have your name and the best number to call you back?',
    askNumber: 'And what is the best number to call you back on?',
    messageTaken: "Thank you, {first}. I've passed on your message, and the team will call you back at {phone}.",
    noBooking: "I can't find an upcoming appointment under this number. I can take a message for the team if you like.",
    found: 'I found your {service} on {day} at {time}.',
    confirmCancel: 'Shall I cancel it?',
    cancelled: 'It is cancelled.',
    askNewTime: 'When would you like to move it to?',
    offerMove: 'I can move it to {day} at {time}.',
    confirmMove: 'Shall I move it?',
    moved: 'Done, your {service} is now on {day} at {time}.',
    changeFailed: 'Sorry, I could not change it. Would another time suit you?',
    anythingElse: 'Is there anything else I can help you with?',
    hoursOf: 'Our hours: {hours}.',
    transferring: 'Let me put you through to the team.',
    noTransfer: 'Nobody can take the call right now, but I can take a message.',
    farewell: 'Thank you for calling. Goodbye!',
    unknown: 'Sorry, could you tell me a little more about what you need?',
    at: 'at',
  },
  es: {
    askService: 'Claro. ¿Qué servicio desea: {services}?',
    askWhen: '¿Qué día y a qué hora le vendría bien para {service}?',
    offer: 'Tengo libre el {day} a las {time} para {service}.',
    askName: '¿Me dice su nombre completo, por favor?',
    readBack: 'Entonces: {service} el {day} a las {time}, a nombre de {name}, con el teléfono {phone}.',
    confirmBooking: '¿Se lo confirmo?',
    booked: 'Listo: su cita de {service} queda reservada para el {day} a las {time}.',
    noSlots: 'Lo siento, no queda nada libre para {service} en ese momento. ¿Le vendría bien otro día?',
    slotGone: 'Lo siento, esa hora acaba de ocuparse. ¿Le vendría bien otra?',
    askMessage: 'Por supuesto. ¿Me da su nombre y el mejor número para devolverle la llamada?',
    askNumber: '¿Y a qué número le devolvemos la llamada?',
    messageTaken: 'Gracias, {first}. He pasado su mensaje y el equipo le llamará al {phone}.',
    noBooking: 'No encuentro ninguna cita próxima con este número. Si quiere, tomo un mensaje para el equipo.',
    found: 'He encontrado su cita de {service} el {day} a las {time}.',
    confirmCancel: '¿La cancelo?',
    cancelled: 'Queda cancelada.',
    askNewTime: '¿A qué día y hora quiere cambiarla?',
    offerMove: 'Puedo cambiarla al {day} a las {time}.',
    confirmMove: '¿La cambio?',
    moved: 'Hecho: su cita de {service} pasa al {day} a las {time}.',
    changeFailed: 'Lo siento, no he podido cambiarla. ¿Le vendría bien otra hora?',
    anythingElse: '¿Puedo ayudarle en algo más?',
    hoursOf: 'Nuestro horario: {hours}.',
    transferring: 'Le paso con el equipo.',
    noTransfer: 'Ahora mismo no puede atenderle nadie, pero puedo tomar un mensaje.',
    farewell: 'Gracias por llamar. ¡Hasta luego!',
    unknown: 'Perdone, ¿me puede contar un poco más de lo que necesita?',
    at: 'a las',
  },
  fr: {
    askService: 'Bien sûr. Quel service souhaitez-vous : {services} ?',
    askWhen: 'Quel jour et à quelle heure vous conviendrait pour {service} ?',
    offer: '{day} à {time}, c’est libre pour {service}.',
    askName: 'Puis-je avoir votre nom complet, s’il vous plaît ?',
    readBack: 'Donc : {service} le {day} à {time}, au nom de {name}, joignable au {phone}.',
    confirmBooking: 'Je confirme ?',
    booked: 'C’est fait : votre rendez-vous pour {service} est réservé le {day} à {time}.',
    noSlots: 'Désolé, rien n’est libre pour {service} à ce moment-là. Un autre jour vous conviendrait ?',
    slotGone: 'Désolé, ce créneau vient d’être pris. Un autre horaire vous conviendrait ?',
    askMessage: 'Bien sûr. Puis-je avoir votre nom et le meilleur numéro pour vous rappeler ?',
    askNumber: 'Et à quel numéro pouvons-nous vous rappeler ?',
    messageTaken: 'Merci, {first}. J’ai transmis votre message, l’équipe vous rappellera au {phone}.',
    noBooking: 'Je ne trouve aucun rendez-vous à venir avec ce numéro. Je peux prendre un message pour l’équipe si vous voulez.',
    found: 'J’ai trouvé votre rendez-vous {service} le {day} à {time}.',
    confirmCancel: 'Je l’annule ?',
    cancelled: 'C’est annulé.',
    askNewTime: 'À quel jour et quelle heure voulez-vous le déplacer ?',
    offerMove: 'Je peux le déplacer au {day} à {time}.',
    confirmMove: 'Je le déplace ?',
    moved: 'C’est fait : votre rendez-vous {service} passe au {day} à {time}.',
    changeFailed: 'Désolé, je n’ai pas pu le modifier. Un autre horaire vous conviendrait ?',
    anythingElse: 'Puis-je vous aider pour autre chose ?',
    hoursOf: 'Nos horaires : {hours}.',
    transferring: 'Je vous mets en relation avec l’équipe.',
    noTransfer: 'Personne ne peut prendre l’appel pour le moment, mais je peux prendre un message.',
    farewell: 'Merci de votre appel. Au revoir !',
    unknown: 'Pardon, pouvez-vous m’en dire un peu plus sur ce dont vous avez besoin ?',
    at: 'à',
  },
};

/** Fills `{name}` placeholders. */
export function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => values[key] ?? whole);
}
