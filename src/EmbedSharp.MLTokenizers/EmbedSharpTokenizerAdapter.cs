using System.Buffers;
using EmbedSharp.Tokenization;
using Microsoft.ML.Tokenizers;

namespace EmbedSharp.MLTokenizers;

/// <summary>
/// Any EmbedSharp <see cref="ITokenizer"/> where a <see cref="Tokenizer"/> of Microsoft.ML.Tokenizers 3.0.0 is
/// expected: <c>EncodeToTokens</c>, <c>EncodeToIds</c>, <c>CountTokens</c>, <c>GetIndexByTokenCount</c> and
/// <c>Decode</c> call the wrapped tokenizer's <see cref="ITokenizer.Encode"/> / <see cref="ITokenizer.Decode"/>.
/// <para>Normalisation and pre-tokenisation are part of the EmbedSharp tokenizer (a WordPiece lower-cases, a
/// SentencePiece model normalises, tiktoken splits by its pattern) and are always applied: the adapter has no
/// separate <see cref="Normalizer"/> or <see cref="PreTokenizer"/> (both null), so <c>considerNormalization</c> and
/// <c>considerPreTokenization</c> change nothing and <c>normalizedText</c> is always null. Offsets
/// (<see cref="EncodedToken.Offset"/>) are the tokens' UTF-16 spans in the original text
/// (<see cref="TokenEncoding.Spans"/>), and <see cref="EncodedToken.Value"/> is the token string
/// (<see cref="TokenEncoding.Tokens"/>).</para>
/// <para>With a <c>maxTokenCount</c>, the first tokens are kept and <c>charsConsumed</c> is the end of the last kept
/// token's span (tokens that share a character, such as two byte tokens of one emoji, are kept or dropped together so
/// that the text up to <c>charsConsumed</c> encodes to exactly the kept ids).</para>
/// </summary>
public sealed class EmbedSharpTokenizerAdapter : Tokenizer
{
    /// <summary>Wraps <paramref name="tokenizer"/>.</summary>
    public EmbedSharpTokenizerAdapter(ITokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        Inner = tokenizer;
    }

    /// <summary>The wrapped tokenizer.</summary>
    public ITokenizer Inner { get; }

    /// <inheritdoc/>
    protected override EncodeResults<EncodedToken> EncodeToTokens(string? text, ReadOnlySpan<char> textSpan, EncodeSettings settings)
    {
        var (encoding, count, consumed) = EncodePrefix(text, textSpan, settings.MaxTokenCount);
        var tokens = new EncodedToken[count];
        for (var i = 0; i < count; i++)
        {
            var span = encoding.Spans[i];
            tokens[i] = new EncodedToken(encoding.Ids[i], encoding.Tokens[i], new Range(span.Start, span.End));
        }

        return new EncodeResults<EncodedToken> { Tokens = tokens, NormalizedText = null, CharsConsumed = consumed };
    }

    /// <inheritdoc/>
    protected override EncodeResults<int> EncodeToIds(string? text, ReadOnlySpan<char> textSpan, EncodeSettings settings)
    {
        var (encoding, count, consumed) = EncodePrefix(text, textSpan, settings.MaxTokenCount);
        return new EncodeResults<int> { Tokens = encoding.Ids.AsSpan(0, count).ToArray(), NormalizedText = null, CharsConsumed = consumed };
    }

    /// <inheritdoc/>
    protected override int CountTokens(string? text, ReadOnlySpan<char> textSpan, EncodeSettings settings)
        => EncodePrefix(text, textSpan, settings.MaxTokenCount).Count;

    /// <inheritdoc/>
    protected override int GetIndexByTokenCount(string? text, ReadOnlySpan<char> textSpan, EncodeSettings settings, bool fromEnd, out string? normalizedText, out int tokenCount)
    {
        normalizedText = null;
        var source = text ?? textSpan.ToString();
        var encoding = Inner.Encode(source);
        var max = settings.MaxTokenCount <= 0 ? int.MaxValue : settings.MaxTokenCount;
        if (!fromEnd)
        {
            var count = KeptPrefix(encoding, Math.Min(max, encoding.Count));
            tokenCount = count;
            return count == encoding.Count ? source.Length : count == 0 ? 0 : encoding.Spans[count - 1].End;
        }

        // From the end: keep the last tokens whose spans do not share a character with a dropped one.
        var keep = Math.Min(max, encoding.Count);
        while (keep > 0 && keep < encoding.Count && encoding.Spans[encoding.Count - keep].Start < encoding.Spans[encoding.Count - keep - 1].End)
        {
            keep--;
        }

        tokenCount = keep;
        return keep == encoding.Count ? 0 : keep == 0 ? source.Length : encoding.Spans[encoding.Count - keep].Start;
    }

    /// <inheritdoc/>
    public override string Decode(IEnumerable<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        return Inner.Decode(ids as int[] ?? [.. ids]);
    }

    /// <inheritdoc/>
    /// <remarks>When the text does not fit, the longest prefix of ids whose decoded text fits (and is a prefix of the
    /// whole decoded text) is written and <see cref="OperationStatus.DestinationTooSmall"/> returned.</remarks>
    public override OperationStatus Decode(IEnumerable<int> ids, Span<char> destination, out int idsConsumed, out int charsWritten)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var all = ids as int[] ?? [.. ids];
        var whole = Inner.Decode(all);
        if (whole.Length <= destination.Length)
        {
            whole.CopyTo(destination);
            (idsConsumed, charsWritten) = (all.Length, whole.Length);
            return OperationStatus.Done;
        }

        // Binary search for the most ids whose text fits and is a prefix of the whole text.
        var (low, high) = (0, all.Length - 1);
        var best = string.Empty;
        idsConsumed = 0;
        while (low <= high)
        {
            var middle = (low + high) / 2;
            var part = Inner.Decode(all.AsSpan(0, middle));
            if (part.Length <= destination.Length && whole.StartsWith(part, StringComparison.Ordinal))
            {
                (best, idsConsumed, low) = (part, middle, middle + 1);
            }
            else
            {
                high = middle - 1;
            }
        }

        best.CopyTo(destination);
        charsWritten = best.Length;
        return OperationStatus.DestinationTooSmall;
    }

    private (TokenEncoding Encoding, int Count, int Consumed) EncodePrefix(string? text, ReadOnlySpan<char> textSpan, int maxTokenCount)
    {
        var source = text ?? textSpan.ToString();
        var encoding = Inner.Encode(source);
        if (maxTokenCount <= 0 || maxTokenCount >= encoding.Count)
        {
            return (encoding, encoding.Count, source.Length);
        }

        var count = KeptPrefix(encoding, maxTokenCount);
        return (encoding, count, count == 0 ? 0 : encoding.Spans[count - 1].End);
    }

    /// <summary>At most <paramref name="max"/> leading tokens, fewer when the next token shares a character with the last kept one.</summary>
    private static int KeptPrefix(TokenEncoding encoding, int max)
    {
        var count = max;
        while (count > 0 && count < encoding.Count && encoding.Spans[count].Start < encoding.Spans[count - 1].End)
        {
            count--;
        }

        return count;
    }
}
