import {
  getLlama,
  LlamaChat,
  type ChatHistoryItem,
  type Llama,
  type LlamaContext,
  type LlamaEmbeddingContext,
  type LlamaGrammar,
  type LlamaModel,
  LlamaLogLevel,
} from "node-llama-cpp";
import { AppError, ErrorCode } from "@one-data/platform";
import type { ModelServerConfig } from "../config.js";
import { Turns } from "../domain/turns.js";

/** What a request cut short by shutdown is answered with: the client may retry elsewhere. */
const shuttingDown = (): AppError => new AppError(503, ErrorCode.dependencyUnavailable, "the model server is shutting down");

export interface GenerateOptions {
  maxTokens: number;
  temperature?: number;
  topP?: number;
  seed?: number;
  stop?: string[];
  grammar?: LlamaGrammar;
  signal: AbortSignal;
  onText?: (text: string) => void;
}

export interface Generation {
  text: string;
  finishReason: "stop" | "length";
  promptTokens: number;
  completionTokens: number;
}

/**
 * The GGUF model loaded once with node-llama-cpp's prebuilt llama.cpp
 * (`build: "never"`: nothing is compiled or downloaded at run time), a pool of
 * chat sequences for parallel requests and one embedding context.
 */
export class LocalModel {
  private readonly stopping = new AbortController();

  private constructor(
    private readonly llama: Llama,
    private readonly model: LlamaModel,
    private readonly context: LlamaContext,
    private readonly chats: Turns<LlamaChat>,
    private readonly embeddingContext: LlamaEmbeddingContext,
    private readonly embeddings: Turns<LlamaEmbeddingContext>,
    private readonly embeddingContextSize: number,
  ) {}

  static async load(config: ModelServerConfig): Promise<LocalModel> {
    const llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.warn });
    const model = await llama.loadModel({ modelPath: config.MODEL_PATH });
    const context = await model.createContext({
      contextSize: config.MODEL_CONTEXT_SIZE * config.MODEL_PARALLEL,
      sequences: config.MODEL_PARALLEL,
      threads: config.MODEL_THREADS,
    });
    const chats = Array.from({ length: config.MODEL_PARALLEL }, () => new LlamaChat({ contextSequence: context.getSequence() }));
    const embeddingContext = await model.createEmbeddingContext({ contextSize: config.MODEL_CONTEXT_SIZE, threads: config.MODEL_THREADS });
    return new LocalModel(
      llama,
      model,
      context,
      new Turns(chats),
      embeddingContext,
      new Turns([embeddingContext]),
      config.MODEL_CONTEXT_SIZE,
    );
  }

  get embeddingDimension(): number {
    return this.model.embeddingVectorSize;
  }

  /** Longer inputs do not fit the embedding context; callers chunk first. */
  get maxEmbeddingTokens(): number {
    return this.embeddingContextSize;
  }

  countTokens(text: string): number {
    return this.model.tokenize(text).length;
  }

  jsonGrammar(): Promise<LlamaGrammar> {
    return this.llama.getGrammarFor("json");
  }

  /** Throws on JSON schema features llama.cpp's grammar cannot express. */
  jsonSchemaGrammar(schema: Record<string, unknown>): Promise<LlamaGrammar> {
    return this.llama.createGrammarForJsonSchema(schema as never) as Promise<LlamaGrammar>;
  }

  generate(history: ChatHistoryItem[], options: GenerateOptions): Promise<Generation> {
    return this.chats.use(options.signal, async (chat) => {
      const meter = chat.sequence.tokenMeter;
      const outputBefore = meter.usedOutputTokens;
      const prompt = chat.chatWrapper.generateContextState({ chatHistory: history }).contextText;
      const response = await chat.generateResponse(history, {
        maxTokens: options.maxTokens,
        ...(options.temperature !== undefined && { temperature: options.temperature }),
        ...(options.topP !== undefined && { topP: options.topP }),
        ...(options.seed !== undefined && { seed: options.seed }),
        ...(options.stop && options.stop.length > 0 && { customStopTriggers: options.stop }),
        ...(options.grammar && { grammar: options.grammar }),
        ...(options.onText && { onTextChunk: options.onText }),
        signal: AbortSignal.any([options.signal, this.stopping.signal]),
        stopOnAbortSignal: true,
      });
      // Cut short by shutdown, the text is partial: not an answer to hand out as complete.
      if (this.stopping.signal.aborted) throw shuttingDown();
      return {
        text: response.response,
        finishReason: response.metadata.stopReason === "maxTokens" ? "length" : "stop",
        promptTokens: prompt.tokenize(this.model.tokenizer).length,
        completionTokens: meter.usedOutputTokens - outputBefore,
      };
    });
  }

  /** One embedding context, so requests take turns; one whose caller has gone stops at its next text. */
  embed(texts: readonly string[], signal: AbortSignal): Promise<number[][]> {
    return this.embeddings.use(signal, async (context) => {
      const vectors: number[][] = [];
      for (const text of texts) {
        signal.throwIfAborted();
        vectors.push([...(await context.getEmbeddingFor(text)).vector]);
      }
      return vectors;
    });
  }

  /**
   * On SIGTERM: stop every generation at its next token and refuse queued
   * requests, so the server closes promptly instead of generating on (up to
   * max_tokens) while Kubernetes or the test waits to kill it.
   */
  stopGenerating(): void {
    this.stopping.abort();
    this.chats.stop(shuttingDown);
    this.embeddings.stop(shuttingDown);
  }

  async close(): Promise<void> {
    await this.embeddingContext.dispose();
    await this.context.dispose();
    await this.model.dispose();
    await this.llama.dispose();
  }
}
