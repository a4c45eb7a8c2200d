export type Language = "zh" | "en";

/** Replies follow the question's language: Chinese if it contains any CJK ideograph. */
export function languageOf(text: string): Language {
  return /[\u3400-\u9fff]/u.test(text) ? "zh" : "en";
}
