using EmbedSharp.Tokenization;
using Microsoft.ML.Tokenizers;

namespace EmbedSharp.MLTokenizers;

/// <summary>Conversions between EmbedSharp tokenizers and Microsoft.ML.Tokenizers 3.0.0.</summary>
public static class MLTokenizersExtensions
{
    /// <summary>This EmbedSharp tokenizer as a Microsoft.ML.Tokenizers <see cref="Tokenizer"/>
    /// (<see cref="EmbedSharpTokenizerAdapter"/>).</summary>
    public static Tokenizer AsMLTokenizer(this ITokenizer tokenizer) => new EmbedSharpTokenizerAdapter(tokenizer);

    /// <summary>This Microsoft.ML.Tokenizers tokenizer as an EmbedSharp <see cref="ITokenizer"/>
    /// (<see cref="MLTokenizerAdapter"/>; <paramref name="vocabulary"/> only for types that expose none).</summary>
    public static ITokenizer AsEmbedSharpTokenizer(this Tokenizer tokenizer, IReadOnlyDictionary<string, int>? vocabulary = null)
        => tokenizer is EmbedSharpTokenizerAdapter adapter && vocabulary is null ? adapter.Inner : new MLTokenizerAdapter(tokenizer, vocabulary);

    /// <summary>The vocabulary of a Microsoft.ML.Tokenizers tokenizer as an EmbedSharp <see cref="EmbedSharp.Tokenization.Vocabulary"/> with
    /// the same ids (gaps filled with <c>&lt;|unused_ID|&gt;</c>), to size an embedding table or to align it with
    /// pretrained vectors (<c>VocabularyAligner.Align</c>). Needs a type that exposes its vocabulary (see
    /// <see cref="MLTokenizerAdapter"/>) or <paramref name="vocabulary"/>.</summary>
    /// <exception cref="ArgumentException">The type exposes no vocabulary and none was given, or two ids share a token.</exception>
    public static EmbedSharp.Tokenization.Vocabulary ToVocabulary(this Tokenizer tokenizer, IReadOnlyDictionary<string, int>? vocabulary = null)
        => TokenizerExtensions.ToVocabulary(new MLTokenizerAdapter(tokenizer, vocabulary));
}
