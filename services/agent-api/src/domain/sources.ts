/**
 * What an answer cites, as the Agent API's contract declares it: the SQL behind every figure, the chunks cited
 * `[n]`, the table structures offered to the model, why no query could be run.
 */
export type { AnswerSources as Sources, DocumentCitation, SqlProvenance, TableStructure } from "@one-data/agent-api-contract";

export const maxRowsInReply = 20;
