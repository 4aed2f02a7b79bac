using System.Globalization;
using EmbedSharp.Numerics;
using EmbedSharp.Randomness;
using EmbedSharp.Tokenization;

namespace EmbedSharp.Vectors.Alignment;

/// <summary>
/// Builds the (|vocab|, D) weight matrix for <c>Embedding.FromPretrained</c> from pretrained vectors. Row i, for token i:
/// zeros if i is the padding row; else the pretrained vector of the token (exact, ordinal); else of a differently cased
/// word (<see cref="AlignmentOptions.CaseFallback"/>); else the subword provider's vector; else a row of the OOV block,
/// filled once for all such tokens in vocabulary order. torchtext equivalent:
/// <c>vectors.get_vecs_by_tokens(vocab.get_itos(), lower_case_backup=True)</c> with zeros replaced by the OOV scheme.
/// </summary>
public static class VocabularyAligner
{
    /// <summary>Aligns a <see cref="Vocabulary"/>, using its counts (when it has them) for the coverage report.</summary>
    public static AlignmentResult Align(Vocabulary vocabulary, WordVectors pretrained, IRandomSource generator, AlignmentOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        long[]? counts = null;
        if (vocabulary.Count > 0 && vocabulary.CountOf(0) is not null)
        {
            counts = new long[vocabulary.Count];
            for (var i = 0; i < counts.Length; i++)
            {
                counts[i] = vocabulary.CountOf(i)!.Value;
            }
        }

        return Align(vocabulary.Tokens, pretrained, generator, options, counts);
    }

    /// <summary>Aligns a token list (row i for token i), with optional counts for the coverage report.</summary>
    /// <exception cref="ArgumentException">A token is null, the counts or the subword provider's dimension do not match,
    /// the padding index is out of range, or the pretrained statistics are needed but undefined (fewer than 2 values).</exception>
    public static AlignmentResult Align(IReadOnlyList<string> tokens, WordVectors pretrained, IRandomSource generator, AlignmentOptions? options = null,
        IReadOnlyList<long>? counts = null)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(pretrained);
        ArgumentNullException.ThrowIfNull(generator);
        options ??= new AlignmentOptions();
        var n = tokens.Count;
        var dim = pretrained.Dimension;
        for (var i = 0; i < n; i++)
        {
            if (tokens[i] is null)
            {
                throw new ArgumentException(Invariant($"Token {i} is null."), nameof(tokens));
            }
        }

        if (counts is not null && counts.Count != n)
        {
            throw new ArgumentException(Invariant($"{counts.Count} counts for {n} tokens."), nameof(counts));
        }

        if (options.Subwords is { } provider && provider.Dimension != dim)
        {
            throw new ArgumentException(Invariant($"The subword provider gives {provider.Dimension}-dimensional vectors but the pretrained vectors have {dim}."), nameof(options));
        }

        var pad = ResolvePadding(tokens, options);

        // Lookups first (no allocation of the result until the inputs are known to be good).
        var sources = new AlignmentSource[n];
        var rows = new int[n];
        Dictionary<string, int>? anyCase = null;
        for (var i = 0; i < n; i++)
        {
            if (i == pad)
            {
                sources[i] = AlignmentSource.Padding;
                continue;
            }

            var token = tokens[i];
            var row = pretrained.IndexOf(token);
            var source = AlignmentSource.Exact;
            if (row < 0 && options.CaseFallback != CaseFallback.None)
            {
                source = AlignmentSource.CaseFallback;
                var lower = token.ToLowerInvariant();
                row = lower != token ? pretrained.IndexOf(lower) : -1;
                if (row < 0 && options.CaseFallback == CaseFallback.AnyCase)
                {
                    anyCase ??= LowercaseMap(pretrained);
                    row = anyCase.TryGetValue(lower, out var r) ? r : -1;
                }
            }

            sources[i] = row >= 0 ? source : options.Subwords is not null ? AlignmentSource.Subword : AlignmentSource.Initialised;
            rows[i] = row;
        }

        var weights = new FloatTensor(n, dim); // (|vocab|, D); the padding row stays zero
        var missing = new List<int>();
        for (var i = 0; i < n; i++)
        {
            switch (sources[i])
            {
                case AlignmentSource.Exact or AlignmentSource.CaseFallback:
                    pretrained.GetVector(rows[i]).CopyTo(weights.Row(i));
                    break;
                case AlignmentSource.Subword:
                    if (!options.Subwords!.TryGetVector(tokens[i], weights.Row(i)))
                    {
                        weights.Row(i).Clear();
                        sources[i] = AlignmentSource.Initialised;
                        missing.Add(i);
                    }

                    break;
                case AlignmentSource.Initialised:
                    missing.Add(i);
                    break;
            }
        }

        double? mean = null, std = null;
        if (missing.Count > 0 && dim > 0)
        {
            if (options.OovInit.MatchesPretrainedStatistics)
            {
                (mean, std) = Statistics(pretrained);
            }

            var block = new FloatTensor(missing.Count, dim); // (n_missing, D), vocabulary order
            options.OovInit.Fill(block, generator, mean ?? 0, std ?? 1);
            for (var k = 0; k < missing.Count; k++)
            {
                block.Row(k).CopyTo(weights.Row(missing[k]));
            }
        }

        var report = new CoverageReport(tokens, sources, counts, pretrained.Count, dim, options.OovInit.Name, mean, std);
        return new AlignmentResult(weights, pad >= 0 ? pad : null, report);
    }

    /// <summary>Mean and unbiased standard deviation (as <c>torch.std</c>) of every pretrained value, in float64:
    /// a sum per row, then Σ(x − mean)² in a second pass.</summary>
    /// <exception cref="ArgumentException">Fewer than 2 values, or a non-finite result.</exception>
    public static (double Mean, double Std) Statistics(WordVectors pretrained)
    {
        ArgumentNullException.ThrowIfNull(pretrained);
        var m = pretrained.Vectors;
        var count = (long)pretrained.Count * pretrained.Dimension;
        if (count < 2)
        {
            throw new ArgumentException(Invariant($"The pretrained matrix has {count} values; the default OOV scheme needs at least 2 for a mean and std. Choose AlignmentOptions.OovInit explicitly."), nameof(pretrained));
        }

        double sum = 0;
        for (long r = 0; r < pretrained.Count; r++)
        {
            foreach (var x in m.Row(r))
            {
                sum += x;
            }
        }

        var mean = sum / count;
        double squares = 0;
        for (long r = 0; r < pretrained.Count; r++)
        {
            foreach (var x in m.Row(r))
            {
                var d = x - mean;
                squares += d * d;
            }
        }

        var std = Math.Sqrt(squares / (count - 1));
        if (!double.IsFinite(mean) || !double.IsFinite(std))
        {
            throw new ArgumentException(Invariant($"The pretrained values have mean {mean} and std {std}; they hold NaN or infinities."), nameof(pretrained));
        }

        return (mean, std);
    }

    private static int ResolvePadding(IReadOnlyList<string> tokens, AlignmentOptions options)
    {
        if (options.PaddingIndex is { } p)
        {
            var n = tokens.Count;
            if (p < -n || p >= n)
            {
                throw new ArgumentOutOfRangeException(nameof(options), p, Invariant($"PaddingIndex {p} is out of range for {n} tokens (allowed: −{n} to {n - 1})."));
            }

            return p < 0 ? p + n : p;
        }

        if (options.PaddingToken is { } token)
        {
            for (var i = 0; i < tokens.Count; i++)
            {
                if (string.Equals(tokens[i], token, StringComparison.Ordinal))
                {
                    return i;
                }
            }
        }

        return -1;
    }

    private static Dictionary<string, int> LowercaseMap(WordVectors pretrained)
    {
        var map = new Dictionary<string, int>(pretrained.Count, StringComparer.Ordinal);
        var words = pretrained.Words;
        for (var i = 0; i < words.Count; i++)
        {
            map.TryAdd(words[i].ToLowerInvariant(), i);
        }

        return map;
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
