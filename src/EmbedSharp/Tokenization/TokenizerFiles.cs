using EmbedSharp.Tokenization.Bpe;
using EmbedSharp.Tokenization.Character;
using EmbedSharp.Tokenization.SentencePiece;
using EmbedSharp.Tokenization.WordPiece;

namespace EmbedSharp.Tokenization;

/// <summary>Opens a tokenizer from the files its reference tool writes.</summary>
public static class TokenizerFiles
{
    /// <summary>Loads a tokenizer of <paramref name="type"/> from <paramref name="path"/>: a BERT <c>vocab.txt</c>;
    /// for BPE a directory holding <c>encoder.json</c> and <c>vocab.bpe</c>, or the <c>encoder.json</c> with
    /// <c>vocab.bpe</c> beside it; for word and char a one-token-per-line vocabulary with <c>&lt;unk&gt;</c>; for SentencePiece a <c>.model</c> file.</summary>
    /// <exception cref="TokenizerFormatException">A file is malformed (the message names it and the line).</exception>
    /// <exception cref="SentencePieceModelException">A SentencePiece model is corrupt (the message names the file and the byte offset).</exception>
    /// <exception cref="NotSupportedException">The type has no reader in this build.</exception>
    public static ITokenizer Load(string path, TokenizerType type)
    {
        ArgumentNullException.ThrowIfNull(path);
        return type switch
        {
            TokenizerType.WordPiece => WordPieceTokenizer.Load(path),
            TokenizerType.Bpe => ByteLevelBpeTokenizer.Load(path),
            TokenizerType.Word => new Word.WordTokenizer(LoadVocabulary(path)),
            TokenizerType.Char => new CharacterTokenizer(LoadVocabulary(path)),
            TokenizerType.SentencePiece => SentencePieceTokenizer.Load(path),
            _ => throw new NotSupportedException($"{type} models are not readable in this build ({path})."),
        };
    }

    /// <summary>Guesses the type from the path: a directory or <c>*.json</c> → BPE, <c>*.model</c> → SentencePiece,
    /// anything else → WordPiece (a <c>vocab.txt</c>).</summary>
    public static TokenizerType InferType(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Directory.Exists(path) || path.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
        {
            return TokenizerType.Bpe;
        }

        return path.EndsWith(".model", StringComparison.OrdinalIgnoreCase) ? TokenizerType.SentencePiece : TokenizerType.WordPiece;
    }

    private static Vocabulary LoadVocabulary(string path)
    {
        var vocabulary = Vocabulary.Load(path);
        return vocabulary.UnknownId >= 0 ? vocabulary
            : throw new TokenizerFormatException(path, null, $"the vocabulary has no {Vocabulary.Unk} token (needed for unknown input).");
    }
}
