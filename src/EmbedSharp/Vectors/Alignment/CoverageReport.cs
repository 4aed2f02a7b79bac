using System.Globalization;
using System.Text;

namespace EmbedSharp.Vectors.Alignment;

/// <summary>How well a vocabulary was covered by pretrained vectors: counts per <see cref="AlignmentSource"/>, the
/// initialised tokens, and, when the vocabulary has counts, the most frequent missing tokens and the coverage of
/// running text (tokens weighted by count).</summary>
public sealed class CoverageReport
{
    private readonly AlignmentSource[] _sources;

    internal CoverageReport(IReadOnlyList<string> tokens, AlignmentSource[] sources, IReadOnlyList<long>? counts, int pretrainedCount, int dimension,
        string oovInit, double? mean, double? std)
    {
        _sources = sources;
        VocabularySize = sources.Length;
        PretrainedCount = pretrainedCount;
        Dimension = dimension;
        OovInit = oovInit;
        PretrainedMean = mean;
        PretrainedStd = std;
        var initialised = new List<string>();
        var missing = new List<(string, long)>();
        long found = 0, total = 0;
        for (var i = 0; i < sources.Length; i++)
        {
            switch (sources[i])
            {
                case AlignmentSource.Exact: Exact++; break;
                case AlignmentSource.CaseFallback: CaseFallback++; break;
                case AlignmentSource.Subword: Subword++; break;
                case AlignmentSource.Initialised:
                    Initialised++;
                    initialised.Add(tokens[i]);
                    break;
                default: Padding++; break;
            }

            if (counts is not null && sources[i] != AlignmentSource.Padding)
            {
                total += counts[i];
                if (sources[i] == AlignmentSource.Initialised)
                {
                    missing.Add((tokens[i], counts[i]));
                }
                else
                {
                    found += counts[i];
                }
            }
        }

        InitialisedTokens = initialised;
        // Stable sort: equal counts keep vocabulary order.
        MostFrequentMissing = counts is null ? [] : [.. missing.OrderByDescending(m => m.Item2)];
        TokenCoverage = counts is null || total == 0 ? null : (double)found / total;
    }

    /// <summary>Rows in the result (|vocab|).</summary>
    public int VocabularySize { get; }

    /// <summary>Words in the pretrained table.</summary>
    public int PretrainedCount { get; }

    /// <summary>Vector length D.</summary>
    public int Dimension { get; }

    /// <summary>Tokens found as they are.</summary>
    public int Exact { get; }

    /// <summary>Tokens found through a case fallback.</summary>
    public int CaseFallback { get; }

    /// <summary>Tokens whose vector came from the subword provider.</summary>
    public int Subword { get; }

    /// <summary>Tokens filled by the OOV scheme.</summary>
    public int Initialised { get; }

    /// <summary>1 when there is a padding row, else 0.</summary>
    public int Padding { get; }

    /// <summary>The OOV scheme's description.</summary>
    public string OovInit { get; }

    /// <summary>Mean of the pretrained values, when the scheme used it.</summary>
    public double? PretrainedMean { get; }

    /// <summary>Unbiased standard deviation of the pretrained values, when the scheme used it.</summary>
    public double? PretrainedStd { get; }

    /// <summary>Where each row came from, in vocabulary order.</summary>
    public IReadOnlyList<AlignmentSource> Sources => _sources;

    /// <summary>The initialised tokens, in vocabulary order.</summary>
    public IReadOnlyList<string> InitialisedTokens { get; }

    /// <summary>The initialised tokens with their counts, most frequent first (ties in vocabulary order); empty
    /// without counts.</summary>
    public IReadOnlyList<(string Token, long Count)> MostFrequentMissing { get; }

    /// <summary>Share of non-padding tokens that got a vector (exact, case fallback or subword).</summary>
    public double TypeCoverage => VocabularySize - Padding == 0 ? 0 : (double)(Exact + CaseFallback + Subword) / (VocabularySize - Padding);

    /// <summary>Share of running text covered: Σ count of tokens with a vector / Σ count of non-padding tokens; null
    /// without counts (or with all counts zero).</summary>
    public double? TokenCoverage { get; }

    /// <summary>A few lines for a console: counts, coverage, and up to <paramref name="maxListed"/> missing tokens
    /// (most frequent first when there are counts). Invariant culture.</summary>
    public string Format(int maxListed = 20)
    {
        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.Append(c, $"Aligned {VocabularySize} tokens with {PretrainedCount} pretrained vectors (D = {Dimension}).\n");
        sb.Append(c, $"  exact          {Exact,9}\n");
        sb.Append(c, $"  case fallback  {CaseFallback,9}\n");
        sb.Append(c, $"  subwords       {Subword,9}\n");
        sb.Append(c, $"  initialised    {Initialised,9}  {OovInit}");
        if (PretrainedMean is { } m && PretrainedStd is { } s)
        {
            sb.Append(c, $" = normal({m:G6}, {s:G6})");
        }

        sb.Append('\n');
        sb.Append(c, $"  padding        {Padding,9}\n");
        sb.Append(c, $"Type coverage {TypeCoverage * 100:F2}% ({Exact + CaseFallback + Subword} of {VocabularySize - Padding} tokens)");
        if (TokenCoverage is { } tc)
        {
            sb.Append(c, $", token coverage {tc * 100:F2}% (weighted by count)");
        }

        sb.Append(".\n");
        if (Initialised > 0 && maxListed > 0)
        {
            var listed = MostFrequentMissing.Count > 0
                ? MostFrequentMissing.Take(maxListed).Select(m2 => string.Create(c, $"{m2.Token} ({m2.Count})"))
                : InitialisedTokens.Take(maxListed);
            sb.Append(MostFrequentMissing.Count > 0 ? "Most frequent missing: " : "Missing: ").AppendJoin(", ", listed);
            if (Initialised > maxListed)
            {
                sb.Append(c, $", … ({Initialised - maxListed} more)");
            }

            sb.Append('\n');
        }

        return sb.ToString();
    }

    /// <inheritdoc />
    public override string ToString() => Format();
}
