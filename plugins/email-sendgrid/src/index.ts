import { definePlugin, EMAIL, providePort, type EmailTransport } from '@tero/sdk';
import { SendgridEmailTransport, type SendgridEmailConfig } from './sendgrid.email-transport';

export { SendgridEmailTransport, parseSender } from './sendgrid.email-transport';
export type { SendgridEmailConfig } from './sendgrid.email-transport';
export { verifySendgridSignature, parseSendgridEvents, SENDGRID_SIGNATURE_HEADER, SENDGRID_TIMESTAMP_HEADER } from './sendgrid.events';

export default definePlugin<SendgridEmailConfig>({
  id: 'email-sendgrid',
  provides: [providePort<EmailTransport, SendgridEmailConfig>(EMAIL, ({ config, logger }) => new SendgridEmailTransport(config, logger))],
});
