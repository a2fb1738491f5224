import { definePlugin, EMAIL, providePort, type EmailTransport } from '@tero/sdk';
import { SmtpEmailTransport, type SmtpEmailConfig } from './smtp.email-transport';

export { SmtpEmailTransport, resolveSmtpSettings, toTeroError } from './smtp.email-transport';
export type { SmtpEmailConfig, SmtpConnectionSettings } from './smtp.email-transport';

export default definePlugin<SmtpEmailConfig>({
  id: 'email-smtp',
  provides: [providePort<EmailTransport, SmtpEmailConfig>(EMAIL, ({ config, logger }) => new SmtpEmailTransport(config, logger))],
});
