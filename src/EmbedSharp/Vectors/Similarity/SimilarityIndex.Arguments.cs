namespace EmbedSharp.Vectors.Similarity;

/// <content>Argument lookup and checks shared by the queries: words to rows, restrictVocab, query terms, vectors.</content>
public sealed partial class SimilarityIndex
{
    private int Limit(int? restrictVocab)
    {
        if (restrictVocab is null)
        {
            return Count;
        }

        if (restrictVocab.Value < 1)
        {
            throw new ArgumentOutOfRangeException(
                nameof(restrictVocab), restrictVocab.Value,
                $"restrictVocab must be at least 1 (or null for all {Count} rows); gensim would silently treat 0 as 'all' and a negative value as 'all but the last rows'.");
        }

        return Math.Min(restrictVocab.Value, Count);
    }

    private void AddTerms(IReadOnlyList<QueryTerm> terms, float weight, Span<float> mean, string list)
    {
        float[]? unit = null;
        for (var k = 0; k < terms.Count; k++)
        {
            var t = terms[k];
            ReadOnlySpan<float> v;
            if (t.IsWord)
            {
                var r = RowOf(t.Word!, $"{list}[{k}]");
                RequireNonZero(r, $"{list}[{k}]");
                unit ??= new float[mean.Length];
                UnitRow(r, unit);
                v = unit;
            }
            else
            {
                v = t.Vector.Span;
                CheckVector(v, $"{list}[{k}]");
            }

            for (var j = 0; j < mean.Length; j++)
            {
                mean[j] += weight * v[j];
            }
        }
    }

    private int RowOf(string word, string what)
    {
        ArgumentNullException.ThrowIfNull(word, what);
        var r = _source.IndexOf(word);
        return r >= 0 ? r : throw new KeyNotFoundException($"'{word}' ({what}) is not among the {Count} words of the table.");
    }

    private int[] Rows(IReadOnlyList<string> words, string what)
    {
        ArgumentNullException.ThrowIfNull(words, what);
        var rows = new int[words.Count];
        for (var k = 0; k < rows.Length; k++)
        {
            rows[k] = RowOf(words[k], $"{what}[{k}]");
        }

        return rows;
    }

    private void RequireNonZero(int row, string what)
    {
        if (_norms[row] == 0f)
        {
            throw new ArgumentException(
                $"'{_source.Words[row]}' ({what}, row {row}) has an all-zero vector, so it has no direction; gensim would return NaN scores.");
        }
    }

    private void CheckVector(ReadOnlySpan<float> v, string what)
    {
        if (v.Length != Dimension)
        {
            throw new ArgumentException($"The vector {what} has {v.Length} values; the table's dimension is {Dimension}.", what);
        }

        CheckFinite(v, "The vector ", what);
    }

    private static void CheckFinite(ReadOnlySpan<float> v, string what, string name = "")
    {
        for (var j = 0; j < v.Length; j++)
        {
            if (!float.IsFinite(v[j]))
            {
                throw new ArgumentException($"{what}{name} holds {v[j]} at position {j}; similarity needs finite values.");
            }
        }
    }

    private static void CheckBuffers(Span<int> rows, Span<float> scores)
    {
        if (rows.Length != scores.Length)
        {
            throw new ArgumentException($"The row buffer holds {rows.Length} entries but the score buffer {scores.Length}; they must match (topN).", nameof(scores));
        }
    }

    private static QueryTerm[] ToTerms(IReadOnlyList<string> words, string what)
    {
        ArgumentNullException.ThrowIfNull(words, what);
        var terms = new QueryTerm[words.Count];
        for (var k = 0; k < terms.Length; k++)
        {
            terms[k] = QueryTerm.FromWord(words[k] ?? throw new ArgumentNullException(what, $"{what}[{k}] is null."));
        }

        return terms;
    }
}
