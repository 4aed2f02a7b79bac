namespace EmbedSharp.Vectors.Formats;

/// <summary>The word-vector file formats EmbedSharp reads and writes.</summary>
public enum VectorFormat
{
    /// <summary>word2vec text and fastText <c>.vec</c>: a <c>V D</c> header line, then <c>word v1 … vD</c> per line.</summary>
    Word2VecText,

    /// <summary>GloVe text: <c>word v1 … vD</c> per line, no header.</summary>
    Glove,

    /// <summary>word2vec binary: a <c>V D</c> header line, then per word its bytes, a space and D little-endian float32.</summary>
    Word2VecBinary,

    /// <summary>fastText <c>.bin</c> (version 12): arguments, dictionary, input and output matrices; vectors for any word.</summary>
    FastTextBin,

    /// <summary>EmbedSharp's memory-mapped layout (<c>docs/formats/native.md</c>).</summary>
    Native,

    /// <summary>A float32 <c>.npy</c> matrix plus a word list (one word per line) beside it.</summary>
    NpyVocab,

    /// <summary>safetensors with the matrix as <c>vectors</c> and the words as a JSON array in the metadata key <c>vocab</c>.</summary>
    SafetensorsVocab,
}
