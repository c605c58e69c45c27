import { CompressError, PromptCompressor, type PromptSection } from '@rb/compress';
import { invalidInput } from '../errors.js';
import type { GenerateRequest } from '../llm/language-model.js';

/** A prompt before fitting: the system instructions and the sections of the one user message. */
export interface PromptParts {
  instructions: string;
  /** Empty sections are left out. Pinned ones (the task, the output format) are never cut. */
  sections: readonly PromptSection[];
}

/** What fitting did, for the run's statistics. */
export interface FitReport {
  originalTokens: number;
  finalTokens: number;
}

/**
 * Builds prompts from sections and fits them with `@rb/compress`: a prompt above `truncationThreshold` tokens is
 * compressed down to it, cutting the lowest-priority sections first (memories, old attempts); a prompt whose pinned
 * sections alone exceed the threshold may grow to `maxPromptTokens`, and beyond that the task is refused.
 */
export class PromptFitter {
  readonly #compressor: PromptCompressor;
  readonly #threshold: number;
  readonly #max: number;

  constructor(settings: { maxPromptTokens: number; truncationThreshold: number; truncationHeadRatio: number; modelId: string }) {
    this.#compressor = new PromptCompressor({
      maxTokens: settings.maxPromptTokens,
      headRatio: settings.truncationHeadRatio,
      model: settings.modelId,
    });
    this.#threshold = settings.truncationThreshold;
    this.#max = settings.maxPromptTokens;
  }

  countTokens(text: string): number {
    return this.#compressor.countTokens(text);
  }

  fit(parts: PromptParts): { request: Pick<GenerateRequest, 'instructions' | 'messages'>; report: FitReport } {
    const sections = parts.sections.filter((s) => s.text.trim() !== '');
    const instructionTokens = this.countTokens(parts.instructions);
    const joined = sections.map((s) => s.text).join('\n\n');
    const originalTokens = instructionTokens + this.countTokens(joined);
    let content = joined;
    if (originalTokens > this.#threshold) {
      content = this.#compress(sections, this.#threshold - instructionTokens) ?? this.#compress(sections, this.#max - instructionTokens) ?? this.#refuse(sections, instructionTokens);
    }
    const finalTokens = content === joined ? originalTokens : instructionTokens + this.countTokens(content);
    return {
      request: { instructions: parts.instructions, messages: [{ role: 'user', content }] },
      report: { originalTokens, finalTokens },
    };
  }

  #compress(sections: readonly PromptSection[], budget: number): string | undefined {
    if (budget < 1) return undefined;
    try {
      return this.#compressor.compressSections(sections, budget).text;
    } catch (error) {
      if (CompressError.isInstance(error) && error.code === 'PINNED_OVER_BUDGET') return undefined;
      throw error;
    }
  }

  #refuse(sections: readonly PromptSection[], instructionTokens: number): never {
    const pinned = sections.filter((s) => s.pinned).map((s) => s.text).join('\n\n');
    const needed = instructionTokens + this.countTokens(pinned);
    throw invalidInput('task', `the task needs about ${needed} prompt tokens with its instructions, more than maxPromptTokens (${this.#max}); shorten it or raise maxPromptTokens`);
  }

  /** Frees the tokenizer (shared with other compressors of the same encoding until the last one is disposed). */
  dispose(): void {
    this.#compressor.dispose();
  }
}
