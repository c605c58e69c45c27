// Memory extraction from one trajectory (success and failure prompts) and from several (MaTTS self-contrast), and
// the sequential "check again" prompts. Our own wording; the structure follows the ReasoningBank paper's: reason
// first about why, then at most 3 (or 5) non-overlapping, transferable items of title / description / content.

const ITEM_RULES = `- Do not repeat yourself: no two items may say the same thing or overlap.
- Prefer concrete, actionable procedures over general principles.
- Make every item transferable to other tasks: never include names, identifiers, file paths, URLs, numbers or quoted strings taken from this task.
- Each item has a title (a short name of the lesson), a description (one sentence: when to use it, or when not to) and content (1-3 sentences: what to do and why it works).`;

export const SUCCESS_EXTRACTION_INSTRUCTIONS = `You distil reusable lessons from an agent's work. You will see a task and the trajectory of an agent that SUCCEEDED at it, with a reviewer's verdict.

Write memory items that will help an agent on future, similar tasks.
- First think about why the trajectory succeeded, and write that reasoning down.
- Then write at most 3 memory items.
${ITEM_RULES}

Answer with one JSON object and nothing else:
{"reasoning": "why the trajectory succeeded", "items": [{"title": "...", "description": "...", "content": "..."}]}`;

export const FAILURE_EXTRACTION_INSTRUCTIONS = `You distil reusable lessons from an agent's work. You will see a task and the trajectory of an agent that tried it and FAILED, with a reviewer's verdict.

Write memory items that will help an agent avoid this failure, or recover from it, on future, similar tasks.
- First reflect on why the trajectory failed, and write that reasoning down.
- Then write at most 3 memory items: the lessons learned, or strategies that prevent the failure.
${ITEM_RULES}
- Each item also has an errorContext: errorType (a short name of the kind of mistake), failurePattern (what went wrong, in general terms) and correctiveGuidance (what to do instead).

Answer with one JSON object and nothing else:
{"reasoning": "why the trajectory failed", "items": [{"title": "...", "description": "...", "content": "...", "errorContext": {"errorType": "...", "failurePattern": "...", "correctiveGuidance": "..."}}]}`;

export const CONTRAST_INSTRUCTIONS = `You compare several attempts an agent made at the same task. Some attempts may have succeeded and others failed; each comes with its self-review score and a reviewer's verdict.

Use self-contrast: compare the attempts with each other.
- Find the strategies that the better attempts share and the worse ones lack.
- Find the mistakes that made attempts fail, and turn them into strategies that prevent them.
- Prefer strategies that hold beyond this task and its wording.

Then:
- First think about why some attempts did better than others, and write that reasoning down.
- Pick the best attempt by its number.
- Write at most 5 memory items from all attempts together.
${ITEM_RULES}
- An item that warns about a mistake has an errorContext (errorType, failurePattern, correctiveGuidance); any other item has errorContext null.

Answer with one JSON object and nothing else:
{"reasoning": "...", "bestAttempt": <number>, "items": [{"title": "...", "description": "...", "content": "...", "errorContext": null}]}`;

export const EXTRACTION_FORMAT = 'Write the reasoning and the memory items as the JSON object described in your instructions.';
export const CONTRAST_FORMAT = 'Compare the attempts above and reply with the JSON object described in your instructions.';

/** The first re-examination of MaTTS sequential scaling. */
export const CHECK_FIRST = `## Check your answer
Carefully re-examine your previous answer and the reasoning behind it. Check that it deals with exactly what the task asks, that every step is right and that nothing is missing.
If you find a mistake or an inconsistency, correct it. If everything holds, confirm the answer.

Answer with one JSON object and nothing else:
{"reflection": "what you checked and what you found", "answer": "the complete final answer, corrected or confirmed"}`;

/** Every later re-examination. */
export const CHECK_AGAIN = `## Check again
Let's check again. Re-examine the answer once more, as before.

Answer with one JSON object and nothing else:
{"reflection": "what you checked and what you found", "answer": "the complete final answer, corrected or confirmed"}`;
