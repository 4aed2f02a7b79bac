namespace EmbedSharp.Tokenization;

/// <summary>The tokenizer families EmbedSharp reads: the <c>--type</c> of <c>embedsharp tokenize</c>.</summary>
public enum TokenizerType
{
    /// <summary>BERT WordPiece over a <c>vocab.txt</c> (<see cref="WordPiece.WordPieceTokenizer"/>).</summary>
    WordPiece,

    /// <summary>GPT-2 byte-level BPE over <c>encoder.json</c> + <c>vocab.bpe</c> (<see cref="Bpe.ByteLevelBpeTokenizer"/>).</summary>
    Bpe,

    /// <summary>A SentencePiece <c>.model</c> file.</summary>
    SentencePiece,

    /// <summary>Whole words over a one-token-per-line vocabulary (<see cref="Word.WordTokenizer"/>).</summary>
    Word,

    /// <summary>Characters over a one-token-per-line vocabulary (<see cref="Character.CharacterTokenizer"/>).</summary>
    Char,

    /// <summary>OpenAI's tiktoken over a <c>.tiktoken</c> file (<see cref="Tiktoken.TiktokenTokenizer"/>).</summary>
    Tiktoken,
    /// <summary>A Hugging Face <c>tokenizer.json</c> (<see cref="HuggingFace.HuggingFaceTokenizer"/>).</summary>
    HuggingFace,
}
