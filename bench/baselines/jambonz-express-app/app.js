// The baseline of `npm run bench -- calls`: a minimal jambonz webhook application of the shape
// jambonz's app generator produces — Express 4, `express.json()`, `@jambonz/node-client`'s
// `WebhookResponse.verifyJambonzSignature(secret)` middleware, answers built with `WebhookResponse`.
// It does no routing, no database and no conversation: the lower bound a real application is measured against.
//
// Env: PORT (0 picks one; the chosen port is printed as `listening <port>`), WEBHOOK_SECRET (required).
const express = require('express');
const { WebhookResponse } = require('@jambonz/node-client');

const secret = process.env.WEBHOOK_SECRET;
if (!secret) {
  process.stderr.write('WEBHOOK_SECRET is required\n');
  process.exit(1);
}

const app = express();
app.use(express.json());
app.use(WebhookResponse.verifyJambonzSignature(secret));

const prompt = (text) =>
  new WebhookResponse()
    .say({ text })
    .gather({ input: ['speech', 'digits'], actionHook: '/hooks/jambonz/turn', bargein: true, timeout: 8, say: { text: 'Anything else?' } });

app.post('/hooks/jambonz/call', (req, res) => {
  res.status(200).json(prompt('Thank you for calling. How can I help you today?'));
});

app.post('/hooks/jambonz/turn', (req, res) => {
  const heard = req.body.speech?.alternatives?.[0]?.transcript ?? '';
  res.status(200).json(prompt(heard ? `You said: ${heard}.` : 'Sorry, I did not catch that.'));
});

app.post('/hooks/jambonz/status', (req, res) => {
  res.sendStatus(200);
});

// A bad signature throws in the middleware; answer 401 as our server does, rather than Express's 500 page.
app.use((err, req, res, _next) => {
  res.status(401).json({ error: err.message });
});

const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
