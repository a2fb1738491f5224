export * from './onboarding-emails';
