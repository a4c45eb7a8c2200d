export interface Chunk {
  position: number;
  text: string;
}

// Unicode sentence segmentation (UAX #29) rather than a pattern: a "." inside a number or a name (1500.50, 2.5 万元,
// sales_data_v1.0) does not end a sentence, and CJK full stops, "!", "?" and line breaks do.
const sentenceSegmenter = new Intl.Segmenter("und", { granularity: "sentence" });

function segments(text: string, size: number): string[] {
  const pieces = Array.from(sentenceSegmenter.segment(text), (piece) => piece.segment);
  // A sentence longer than a chunk is cut at the chunk size.
  return pieces.flatMap((piece) => {
    if (piece.length <= size) return [piece];
    const cut: string[] = [];
    for (let start = 0; start < piece.length; start += size) cut.push(piece.slice(start, start + size));
    return cut;
  });
}

/** Markdown headings start a new section: a definition and its heading stay together, apart from the next one. */
function sections(text: string): string[] {
  return text
    .split(/\n(?=#{1,6}\s)/)
    .map((section) => section.trim())
    .filter((section) => section.length > 0);
}

/**
 * Splits text into sections at Markdown headings, then each section into chunks of at most `size` characters on sentence
 * boundaries; each chunk starts with up to `overlap` characters of the
 * previous one's last sentences, so an answer spanning a boundary is whole in
 * at least one chunk.
 */
export function chunkText(text: string, options: { size: number; overlap: number }): Chunk[] {
  const normalized = text.replace(/\r\n?/g, "\n").trim();
  return sections(normalized)
    .flatMap((section) => chunkSection(section, options))
    .map((chunk, position) => ({ position, text: chunk }));
}

function chunkSection(normalized: string, options: { size: number; overlap: number }): string[] {
  const chunks: string[] = [];
  let current: string[] = [];
  let length = 0;
  for (const segment of segments(normalized, options.size)) {
    // No segment is longer than the size, so this never holds while `current` is empty.
    if (length + segment.length > options.size) {
      chunks.push(current.join(""));
      const carried: string[] = [];
      let carriedLength = 0;
      for (let i = current.length - 1; i >= 0; i--) {
        const previous = current[i]!;
        if (carriedLength + previous.length > options.overlap || carriedLength + previous.length + segment.length > options.size) break;
        carried.unshift(previous);
        carriedLength += previous.length;
      }
      current = carried;
      length = carriedLength;
    }
    current.push(segment);
    length += segment.length;
  }
  if (current.length > 0) chunks.push(current.join(""));
  return chunks.map((chunk) => chunk.trim()).filter((chunk) => chunk.length > 0);
}
