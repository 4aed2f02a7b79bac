using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using EmbedSharp.Numerics;
using EmbedSharp.Tokenization;
using EmbedSharp.Tokenization.Word;
using EmbedSharp.Vectors;

namespace EmbedSharp.Embeddings;

/// <summary>
/// A static sentence-embedding model, Model2Vec's <c>StaticModel</c> (and sentence-transformers' <c>StaticEmbedding</c>):
/// text → tokenizer ids → rows of an embedding table → mean → optional L2 normalisation. For a text with token ids
/// t₁…tₙ (the unknown token and ids outside the table dropped, at most <see cref="StaticEmbeddingOptions.MaxTokens"/>):
/// <c>v = (1/n) Σᵢ wᵢ · E[m(tᵢ)]</c>, where E is the table, m the optional token → row mapping (Model2Vec's vocabulary
/// quantisation) and wᵢ the optional per-token weight; <c>v / (‖v‖₂ + 1e-32)</c> when normalising; a text with no usable
/// token gives the zero vector. Build one from any <see cref="ITokenizer"/> and table (the library's own tokenizers and
/// trained tables), from <see cref="WordVectors"/> (<see cref="FromWordVectors"/>), or from a Model2Vec folder
/// (<see cref="LoadModel2Vec(string, ITokenizer, int?)"/>).
/// </summary>
public sealed partial class StaticEmbeddingModel : TextEmbedder
{
    [ThreadStatic]
    private static List<int>? t_ids;

    private readonly ITokenizer _tokenizer;
    private readonly FloatTensor _table;
    private readonly float[]? _weights;
    private readonly int[]? _mapping;
    private readonly int _maxChars;
    private readonly int _dimensions;

    /// <summary>Creates a model over <paramref name="tokenizer"/> and <paramref name="table"/> (rows = token ids, or the
    /// targets of <paramref name="mapping"/>).</summary>
    /// <param name="tokenizer">Gives the token ids of a text (special tokens are not added: Model2Vec encodes with
    /// <c>add_special_tokens=False</c>).</param>
    /// <param name="table">The embedding table, (rows, dimensions).</param>
    /// <param name="options">Normalisation, truncation, unknown token, model id.</param>
    /// <param name="weights">Per-token weights (Model2Vec's <c>weights</c>), indexed by token id; null for all 1.</param>
    /// <param name="mapping">Token id → table row (Model2Vec's <c>mapping</c>); null for the identity.</param>
    /// <exception cref="ArgumentException">The table is not two-dimensional or has no columns, or a mapping entry points
    /// outside it.</exception>
    public StaticEmbeddingModel(ITokenizer tokenizer, FloatTensor table, StaticEmbeddingOptions? options = null,
        float[]? weights = null, int[]? mapping = null)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(table);
        if (table.Rank != 2 || table.Shape[1] < 1)
        {
            throw new ArgumentException($"The table must be (rows, dimensions); it is {FloatTensor.FormatShape(table.Shape)}.", nameof(table));
        }

        if (mapping is not null)
        {
            for (var i = 0; i < mapping.Length; i++)
            {
                if ((uint)mapping[i] >= (ulong)table.Shape[0])
                {
                    throw new ArgumentException($"mapping[{i}] = {mapping[i]} is outside the table's {table.Shape[0]} rows.", nameof(mapping));
                }
            }
        }

        Options = options ?? new StaticEmbeddingOptions();
        if (Options.MaxTokens is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "MaxTokens must be at least 1 (or null for no limit).");
        }

        _tokenizer = tokenizer;
        _table = table;
        _weights = weights;
        _mapping = mapping;
        _dimensions = checked((int)table.Shape[1]);
        UnknownId = Options.UnknownToken is { } unk ? tokenizer.TokenToId(unk) : -1;
        _maxChars = Options.MaxTokens is { } max ? (int)Math.Min(int.MaxValue, (long)max * MedianTokenLength(tokenizer)) : int.MaxValue;
    }

    /// <summary>The settings this model was made with.</summary>
    public StaticEmbeddingOptions Options { get; }

    /// <summary>The tokenizer.</summary>
    public ITokenizer Tokenizer => _tokenizer;

    /// <summary>The embedding table, (rows, <see cref="Dimensions"/>).</summary>
    public FloatTensor Table => _table;

    /// <summary>The id of <see cref="StaticEmbeddingOptions.UnknownToken"/>, dropped from every text; -1 when none.</summary>
    public int UnknownId { get; }

    /// <inheritdoc/>
    public override int Dimensions => _dimensions;

    /// <inheritdoc/>
    public override string ModelId => Options.ModelId;

    /// <inheritdoc/>
    public override bool NormalizesOutput => Options.Normalize;

    /// <summary>The ids that go into the vector of <paramref name="text"/>: Model2Vec's <c>tokenize</c> (the text cut to
    /// MaxTokens × the median token length in code points, encoded, the unknown token and ids without a row dropped, at
    /// most MaxTokens kept).</summary>
    public int[] TokenIds(string text) => [.. KeptIds(text)];

    /// <summary>The ids of <see cref="TokenIds"/> in this thread's reused list (valid until the next call on the
    /// thread), so that embedding allocates nothing per sentence once warm.</summary>
    private List<int> KeptIds(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = t_ids ??= new List<int>(64);
        ids.Clear();
        _tokenizer.EncodeIds(Truncate(text), ids);
        var kept = 0;
        var limit = Options.MaxTokens ?? int.MaxValue;
        for (var i = 0; i < ids.Count && kept < limit; i++)
        {
            if (Usable(ids[i]))
            {
                ids[kept++] = ids[i];
            }
        }

        ids.RemoveRange(kept, ids.Count - kept);
        return ids;
    }

    /// <inheritdoc/>
    public override int Embed(string text, Span<float> destination)
    {
        if (destination.Length != _dimensions)
        {
            throw new ArgumentException($"The destination holds {destination.Length} floats; the model gives {_dimensions}.", nameof(destination));
        }

        var ids = CollectionsMarshal.AsSpan(KeptIds(text));
        destination.Clear();
        foreach (var id in ids)
        {
            var row = _table.Row(_mapping is null ? id : _mapping[id]);
            if (_weights is null)
            {
                TensorPrimitives.Add(destination, row, destination);
            }
            else
            {
                TensorPrimitives.MultiplyAdd(row, _weights[id], destination, destination);
            }
        }

        if (ids.Length > 0)
        {
            TensorPrimitives.Divide(destination, ids.Length, destination);
            if (Options.Normalize)
            {
                Normalize(destination);
            }
        }

        return ids.Length;
    }

    /// <summary>The average-of-word-vectors baseline: words split as <paramref name="splitting"/> says, each looked up in
    /// <paramref name="vectors"/> (unknown words skipped), the mean, normalised when <paramref name="normalize"/>. With
    /// <see cref="WordSplitting.Whitespace"/> a word is exactly a whitespace-separated token, as word2vec and GloVe files
    /// key them.</summary>
    public static StaticEmbeddingModel FromWordVectors(WordVectors vectors, WordSplitting splitting = WordSplitting.Whitespace,
        bool normalize = true, string modelId = "word-vectors")
    {
        ArgumentNullException.ThrowIfNull(vectors);
        // The word tokenizer needs an unknown token: appended after the last row, so unknown words fall outside the table.
        var words = vectors.Contains(Vocabulary.Unk) ? vectors.Words : [.. vectors.Words, Vocabulary.Unk];
        var tokenizer = new WordTokenizer(new Vocabulary(words), splitting);
        return new StaticEmbeddingModel(tokenizer, vectors.Vectors,
            new StaticEmbeddingOptions { Normalize = normalize, MaxTokens = null, UnknownToken = null, ModelId = modelId });
    }

    private bool Usable(int id) => id >= 0 && id != UnknownId && (_mapping is null ? id < _table.Shape[0] : id < _mapping.Length)
        && (_weights is null || id < _weights.Length);

    private string Truncate(string text)
    {
        if (text.Length <= _maxChars)
        {
            return text;
        }

        // Python's sentence[:m] counts code points, not UTF-16 units.
        var index = 0;
        var count = 0;
        while (index < text.Length && count < _maxChars)
        {
            index += char.IsHighSurrogate(text[index]) && index + 1 < text.Length && char.IsLowSurrogate(text[index + 1]) ? 2 : 1;
            count++;
        }

        return text[..index];
    }

    /// <summary>Model2Vec's <c>median_token_length</c>: int(median of the tokens' lengths in code points).</summary>
    internal static int MedianTokenLength(ITokenizer tokenizer)
    {
        var lengths = new double[tokenizer.VocabSize];
        for (var i = 0; i < lengths.Length; i++)
        {
            string token;
            try
            {
                token = tokenizer.IdToToken(i);
            }
            catch (ArgumentException)
            {
                token = "";
            }

            var n = 0;
            foreach (var unused in token.EnumerateRunes())
            {
                n++;
            }

            lengths[i] = n;
        }

        if (lengths.Length == 0)
        {
            return 1;
        }

        Array.Sort(lengths);
        var mid = lengths.Length / 2;
        var median = lengths.Length % 2 == 1 ? lengths[mid] : (lengths[mid - 1] + lengths[mid]) / 2;
        return Math.Max(1, (int)median);
    }
}
