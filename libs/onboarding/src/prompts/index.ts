export { createPrompts, type Prompts, type PromptsDeps, type PromptAuthor, type PromptVersionView, type CurrentPrompt, type PromptState, type PromptDiff } from './prompts.service';
export { PROMPT_FIELDS, PROMPT_LIMITS, PromptTemplateError, validatePrompt, validatePromptTemplate, type PromptField, type PromptIssue, type PromptIssueCode } from './prompt-validation';
export { diffLines, diffStats, sideBySide, unifiedDiff, type DiffLine, type SideBySideRow } from './line-diff';
export { PROMPT_SCENARIOS_JOB_NAME } from './prompt-scenarios';
export type { TalkAnswer, TalkLine } from './prompt-talk';
