namespace EmbedSharp.Tokenization;

/// <summary>
/// Cuts text into tokens of a fixed vocabulary and back: <c>Encode(text)</c> gives ids, token strings and the character
/// span of each token in the input; <c>Decode(ids)</c> gives the (normalised) text. Implementations are immutable after
/// construction, so one instance may encode from many threads at once.
/// </summary>
public interface ITokenizer
{
    /// <summary>The number of ids, 0..VocabSize−1.</summary>
    int VocabSize { get; }

    /// <summary>Encodes one text: ids, tokens and their UTF-16 spans in <paramref name="text"/>.</summary>
    TokenEncoding Encode(string text);

    /// <summary>Appends the ids of <see cref="Encode"/>(<paramref name="text"/>) to <paramref name="ids"/>. Tokenizers
    /// that can skip building token strings and spans do (Hugging Face's <c>tokenizer.json</c>: nothing is allocated once
    /// its scratch pool is warm); the default encodes and copies the ids.</summary>
    void EncodeIds(string text, List<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        ids.AddRange(Encode(text).Ids);
    }

    /// <summary>Decodes ids to text (the inverse of <see cref="Encode"/> up to normalisation).</summary>
    /// <exception cref="ArgumentOutOfRangeException">An id is outside 0..VocabSize−1.</exception>
    string Decode(ReadOnlySpan<int> ids);

    /// <summary>The token string of an id.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The id is outside 0..VocabSize−1.</exception>
    string IdToToken(int id);

    /// <summary>The id of a token string, or −1 when the vocabulary does not hold it.</summary>
    int TokenToId(string token);
}
