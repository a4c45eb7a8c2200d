import { neutralise } from "./fence.js";
import { isInstruction, sentencesOf } from "./instructions.js";
import type { Language } from "./language.js";

/**
 * The last step of every reply, streamed or not: no prompt marker, look-alike
 * or turn token reaches a user, and when the retrieved documents held an
 * instruction, no sentence of a model-written reply repeats an instruction or
 * what one asked to be said. Text is passed on sentence by sentence, so the
 * streamed deltas joined are exactly the final reply.
 */
export interface ReplyContext {
  /** Whether what the model read held instructions (then its sentences are checked against them). */
  hostile: boolean;
  /** What those instructions asked to be said. */
  payloads: string[];
}

export const plainContext: ReplyContext = { hostile: false, payloads: [] };

const rolePrefix = /^([ \t]*)(?:system|assistant|user|系统|助手|用户)[ \t]*[:：][ \t]*/gimu;
const cjk = /[\u3400-\u9fff]/u;

function withheld(language: Language): string {
  return language === "zh"
    ? "回答已被拦下：它重复了文档中的指令。"
    : "The reply was withheld: it repeated an instruction written in a document.";
}

/** Where the text may be cut: after whitespace that more text follows, or (checking sentences) after a sentence. */
function cutPoint(text: string, bySentence: boolean): number {
  const boundary = bySentence ? /(?:[.!?。！？]+["”」』']?|\n)\s*(?=\S)/gu : /\s+(?=\S)/gu;
  let end = 0;
  for (const match of text.matchAll(boundary)) end = match.index + match[0].length;
  return end;
}

const opener = /[<＜‹«〈《⟨[]/gu;
const longestMarker = 80;
const roles = ["system", "assistant", "user", "系统", "助手", "用户"];

/** Whether a line begun like this may still turn into "system:" or the like. */
function mayBecomeRolePrefix(line: string): boolean {
  const text = line.replace(/^[ \t]+/, "").toLowerCase();
  return roles.some((role) => role.startsWith(text) || (text.startsWith(role) && /^[ \t]*$/.test(text.slice(role.length))));
}

function echoes(sentence: string, payload: string): boolean {
  if (cjk.test(payload)) return sentence.includes(payload);
  const escaped = payload.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`(^|[^\\p{L}\\p{N}])${escaped}($|[^\\p{L}\\p{N}])`, "iu").test(sentence);
}

export class ReplyGuard {
  private pending = "";
  private emitted = "";
  private dropped = false;

  constructor(
    private readonly context: ReplyContext,
    private readonly language: Language,
    private readonly sink?: (text: string) => void,
  ) {}

  /** Takes the next piece of the reply; passes on what can no longer turn into a marker or a dropped sentence. */
  push(text: string): void {
    this.pending += text;
    const cut = this.safeCut();
    if (cut === 0) return;
    this.pass(this.pending.slice(0, cut));
    this.pending = this.pending.slice(cut);
  }

  /** Passes on the rest and returns the whole reply as it was passed on. */
  finish(): string {
    this.pass(this.pending, true);
    this.pending = "";
    if (this.emitted === "" && this.dropped) this.write(withheld(this.language));
    return this.emitted;
  }

  /** A whole reply at once. */
  static clean(text: string, context: ReplyContext, language: Language): string {
    const guard = new ReplyGuard(context, language);
    guard.push(text);
    return guard.finish();
  }

  private atLineStart(): boolean {
    return this.emitted === "" || this.emitted.endsWith("\n");
  }

  private safeCut(): number {
    const text = this.pending;
    let cut = cutPoint(text, this.context.hostile);
    // A marker or turn token may be arriving: hold it until it can be seen whole.
    for (const match of text.matchAll(opener)) {
      const newline = text.indexOf("\n", match.index);
      const reach = Math.min(match.index + longestMarker, newline < 0 ? Number.POSITIVE_INFINITY : newline);
      if (match.index < cut && cut < reach) {
        cut = match.index;
        break;
      }
    }
    const lineStart = text.lastIndexOf("\n") + 1 || (this.atLineStart() ? 0 : -1);
    if (lineStart >= 0 && mayBecomeRolePrefix(text.slice(lineStart))) cut = Math.min(cut, lineStart);
    return cut;
  }

  private pass(text: string, last = false): void {
    const lineStart = this.atLineStart();
    const unmarked = neutralise(text).replace(rolePrefix, (match, lead: string, offset: number) =>
      offset === 0 && !lineStart ? match : lead,
    );
    const cleaned = last ? unmarked.trimEnd() : unmarked;
    for (const piece of this.context.hostile ? sentencesOf(cleaned) : [cleaned]) {
      if (this.context.hostile && (isInstruction(piece) || this.context.payloads.some((p) => echoes(piece, p)))) {
        this.dropped = true;
        continue;
      }
      const out = this.emitted === "" ? piece.trimStart() : piece;
      if (out !== "") this.write(out);
    }
  }

  private write(text: string): void {
    this.emitted += text;
    this.sink?.(text);
  }
}
