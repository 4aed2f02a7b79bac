using EmbedSharp.Tokenization;
using Microsoft.ML.Tokenizers;

namespace EmbedSharp.MLTokenizers;

/// <summary>
/// A Microsoft.ML.Tokenizers 3.0.0 <see cref="Tokenizer"/> as an EmbedSharp <see cref="ITokenizer"/>, so that it can
/// feed EmbedSharp's embedding tables, <see cref="EmbedSharp.Tokenization.Vocabulary"/> and vector alignment
/// (<c>VocabularyAligner</c>).
/// <para><see cref="Encode"/> is their <c>EncodeToTokens(text, out _)</c>: ids, <see cref="EncodedToken.Value"/> as the
/// token strings and <see cref="EncodedToken.Offset"/> as spans. When their tokenizer normalises the text (e.g.
/// SentencePiece's escaping, BERT's lower-casing) the offsets refer to their normalised text, as in their API.
/// <see cref="Decode"/> is their <c>Decode</c>.</para>
/// <para>The id ↔ token maps (<see cref="IdToToken"/>, <see cref="TokenToId"/>, <see cref="VocabSize"/>) come from the
/// vocabulary their type exposes (<see cref="BpeTokenizer"/>, <see cref="CodeGenTokenizer"/>,
/// <see cref="EnglishRobertaTokenizer"/>, <see cref="SentencePieceTokenizer"/> and its subclasses: their
/// <c>Vocabulary</c> plus <c>SpecialTokens</c>); for one that exposes none (<see cref="TiktokenTokenizer"/>,
/// <see cref="WordPieceTokenizer"/>, <see cref="BertTokenizer"/>) pass the vocabulary, e.g. from the same vocabulary
/// file read by EmbedSharp. An id that no token has (a gap) is shown as <c>&lt;|unused_ID|&gt;</c>.</para>
/// </summary>
public sealed class MLTokenizerAdapter : ITokenizer
{
    private readonly string[] _tokens;
    private readonly Dictionary<string, int> _ids;

    /// <summary>Wraps <paramref name="tokenizer"/>; <paramref name="vocabulary"/> (token → id) is needed only when its
    /// type exposes none.</summary>
    /// <exception cref="ArgumentException">No vocabulary was given and the tokenizer's type exposes none, or an id is
    /// negative.</exception>
    public MLTokenizerAdapter(Tokenizer tokenizer, IReadOnlyDictionary<string, int>? vocabulary = null)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        Inner = tokenizer;
        var (tokens, specials) = vocabulary is null ? ExposedVocabulary(tokenizer) : (vocabulary, SpecialTokensOf(tokenizer));
        if (tokens is null)
        {
            throw new ArgumentException($"{tokenizer.GetType().Name} exposes no vocabulary; pass it (token → id), e.g. from the vocabulary file it was made from.", nameof(vocabulary));
        }

        var entries = specials is null ? tokens.ToArray() : [.. tokens, .. specials];
        var maxId = -1;
        foreach (var (token, id) in entries)
        {
            if (id < 0)
            {
                throw new ArgumentException(FormattableString.Invariant($"The token '{token}' has the negative id {id}."), nameof(vocabulary));
            }

            maxId = Math.Max(maxId, id);
        }

        var byId = new string?[maxId + 1];
        _ids = new Dictionary<string, int>(maxId + 1, StringComparer.Ordinal);
        foreach (var (token, id) in entries)
        {
            byId[id] ??= token;
            _ids.TryAdd(token, id);
        }

        for (var id = 0; id < byId.Length; id++)
        {
            if (byId[id] is null)
            {
                byId[id] = FormattableString.Invariant($"<|unused_{id}|>");
                _ids.TryAdd(byId[id]!, id);
            }
        }

        _tokens = byId!;
    }

    /// <summary>The wrapped tokenizer.</summary>
    public Tokenizer Inner { get; }

    /// <inheritdoc/>
    public int VocabSize => _tokens.Length;

    /// <inheritdoc/>
    public TokenEncoding Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var encoded = Inner.EncodeToTokens(text, out _);
        var ids = new int[encoded.Count];
        var tokens = new string[encoded.Count];
        var spans = new TokenSpan[encoded.Count];
        for (var i = 0; i < ids.Length; i++)
        {
            var token = encoded[i];
            ids[i] = token.Id;
            tokens[i] = token.Value;
            var (start, length) = token.Offset.GetOffsetAndLength(int.MaxValue);
            spans[i] = new TokenSpan(start, length);
        }

        return new TokenEncoding(ids, tokens, spans);
    }

    /// <inheritdoc/>
    public string Decode(ReadOnlySpan<int> ids)
    {
        foreach (var id in ids)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(id, nameof(ids));
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(id, _tokens.Length, nameof(ids));
        }

        return Inner.Decode(ids.ToArray()) ?? string.Empty;
    }

    /// <inheritdoc/>
    public string IdToToken(int id)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(id);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(id, _tokens.Length);
        return _tokens[id];
    }

    /// <inheritdoc/>
    public int TokenToId(string token) => _ids.TryGetValue(token, out var id) ? id : -1;

    private static (IReadOnlyDictionary<string, int>? Tokens, IReadOnlyDictionary<string, int>? Specials) ExposedVocabulary(Tokenizer tokenizer) => tokenizer switch
    {
        BpeTokenizer t => (t.Vocabulary, t.SpecialTokens),
        CodeGenTokenizer t => (t.Vocabulary, t.SpecialTokens),
        EnglishRobertaTokenizer t => (t.Vocabulary, null),
        SentencePieceTokenizer t => (t.Vocabulary, t.SpecialTokens),
        _ => (null, SpecialTokensOf(tokenizer)),
    };

    private static IReadOnlyDictionary<string, int>? SpecialTokensOf(Tokenizer tokenizer) => tokenizer switch
    {
        TiktokenTokenizer t => t.SpecialTokens,
        WordPieceTokenizer t => t.SpecialTokens,
        BpeTokenizer t => t.SpecialTokens,
        CodeGenTokenizer t => t.SpecialTokens,
        SentencePieceTokenizer t => t.SpecialTokens,
        _ => null,
    };
}
