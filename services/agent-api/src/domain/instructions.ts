import type { VectorSearchHit } from "@one-data/data-api-contract";
import { neutralise } from "./fence.js";

/**
 * Text from documents is data. A sentence in it that addresses the assistant —
 * an order to ignore its rules, a new role, "reply only with X", a line posing
 * as a system turn — is an instruction, in English or Chinese. Such sentences
 * are taken out before the model reads the text, and what they asked for (the
 * payload) is remembered so a reply that still carries it can be caught.
 */
const addressed: RegExp[] = [
  /\b(?:ignore|disregard|forget|override|bypass)\b[^.!?\n]{0,60}\b(?:instructions?|rules?|prompts?|directions?|guidelines?|context|everything)\b/i,
  /\byou are now\b|\bact as (?:an?|the)\b|\bpretend (?:to be|you are)\b|\bfrom now on\b|\bnew (?:rules?|instructions?)\b|\bsystem prompt\b/i,
  /\b(?:reply|respond|answer|say|print|output)\b[^.!?\n]{0,20}?["“']?\b[A-Z][A-Z0-9]{3,}\b/,
  /\b(?:reply|respond|answer|say)\b[^.!?\n]{0,30}\b(?:only|exactly|nothing else)\b/i,
  /^\s*(?:please\s+)?(?:reply|respond|say|print|output|repeat)\b/i,
  /(?:忽略|无视|忘记|忘掉|不要理会|覆盖)[^。！？\n]{0,20}(?:指令|指示|说明|规则|提示|要求|设定)/,
  /你现在是|从现在开始|扮演|新的?(?:指令|规则)|系统提示/,
  /(?:只|请|必须)(?:回复|回答|输出|说)/,
];
/** A line that poses as a turn of the conversation ("SYSTEM: …", "系统：…"): the whole line is an instruction. */
const rolePrefix = /^\s*(?:system|assistant|user|human|developer|系统|助手|用户)\s*[:：]/i;
const quoted = /["“「『']([^"”」』'\n]{1,40})["”」』']/gu;
const shouted = /\b[A-Z][A-Z0-9]{3,}\b/g;

const removedInstruction = "[instruction removed]";

/** Sentences with their end punctuation and the space after it, so joining them gives the text back. */
export function sentencesOf(text: string): string[] {
  return text.match(/[^\n.!?。！？]*(?:[.!?。！？]+["”」』']?|\n|$)[ \t]*\n?/gu)?.filter((s) => s !== "") ?? [];
}

export function isInstruction(sentence: string): boolean {
  return rolePrefix.test(sentence) || addressed.some((pattern) => pattern.test(sentence));
}

export interface Disarmed {
  /** The text without markers and without its instructions. */
  text: string;
  /** The words and phrases its instructions asked to be said. */
  payloads: string[];
  /** Whether it held any instruction, marker or turn token. */
  hostile: boolean;
}

function payloadsOf(sentence: string): string[] {
  return [...[...sentence.matchAll(quoted)].map((m) => m[1]!.trim()), ...(sentence.match(shouted) ?? [])].filter((p) => p.length >= 2);
}

/** A chat-template turn token: what follows it, up to the next one, poses as a turn of the conversation. */
const turnBoundary = /<\|[^|\n]{0,40}\|>|\[\/?INST\]|<<\/?SYS>>/iu;

export function disarm(raw: string): Disarmed {
  const [head = "", ...turns] = raw.split(turnBoundary);
  let hostile = turns.length > 0;
  const payloads: string[] = [];
  const kept: string[] = [];
  const remove = (text: string): void => {
    hostile = true;
    payloads.push(...payloadsOf(text));
    if (kept.at(-1) !== removedInstruction) kept.push(removedInstruction);
  };
  for (const line of head.split(/(?<=\n)/u)) {
    if (rolePrefix.test(line)) {
      remove(neutralise(line));
      continue;
    }
    for (const sentence of sentencesOf(line)) {
      const cleaned = neutralise(sentence);
      if (cleaned !== sentence) hostile = true;
      if (isInstruction(cleaned)) remove(cleaned);
      else kept.push(cleaned);
    }
  }
  for (const turn of turns) if (turn.trim() !== "") remove(neutralise(turn));
  const text = kept
    .map((part, i) => (part === removedInstruction && i + 1 < kept.length ? `${part} ` : part))
    .join("")
    .replace(/[ \t]{2,}/g, " ")
    .trim();
  return { text, payloads: [...new Set(payloads)], hostile };
}

/** Chunks as the model may read them (instructions out), and what a reply must then not repeat. */
export function disarmHits(hits: VectorSearchHit[]): { hits: VectorSearchHit[]; context: { hostile: boolean; payloads: string[] } } {
  const disarmed = hits.map((hit) => ({ hit, ...disarm(hit.text) }));
  return {
    hits: disarmed.map(({ hit, text }) => ({ ...hit, text })),
    context: { hostile: disarmed.some((d) => d.hostile), payloads: [...new Set(disarmed.flatMap((d) => d.payloads))] },
  };
}
