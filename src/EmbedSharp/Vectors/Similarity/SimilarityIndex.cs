using System.Buffers;
using System.Runtime.CompilerServices;
using EmbedSharp.Numerics;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace EmbedSharp.Vectors.Similarity;

/// <summary>
/// Cosine-similarity queries over a <see cref="WordVectors"/> table that agree with gensim 4's <c>KeyedVectors</c>
/// (<c>most_similar</c>, <c>most_similar_cosmul</c>, <c>doesnt_match</c>, <c>similarity</c>, <c>distances</c>): same
/// words in the same order, scores within 1e-5 (docs/similarity.md: measured agreement, ties, deliberate differences).
/// </summary>
/// <remarks>
/// <para><see cref="Build"/> computes every row's norm ONCE, as gensim's <c>fill_norms</c> does (norm = float32 sqrt of
/// numpy's pairwise float32 sum of squares, bit-identical to gensim's), and keeps nothing else: queries read the source
/// table in place and score a row as dot(row, q) / norm, the formula of gensim 4's <c>most_similar</c>
/// (<c>dot(vectors, mean) / norms</c>), so a query is one pass over the table and the index costs V floats of memory.
/// Unit vectors (gensim: <c>get_normed_vectors</c>, row / norm in float32, bit-identical) are computed when asked for.
/// Nothing is computed lazily behind a read and the index never changes after the build, so queries may run
/// concurrently from several threads.</para>
/// <para>The index does not copy the table: change its rows and the norms no longer match (gensim has the same rule:
/// refill the norms). Changes the library makes in place (an optimiser step or renormalisation on a tensor shared with
/// an embedding) are detected and make every query throw <see cref="InvalidOperationException"/>; writes through a
/// span are not detected. Rebuild the index after changing the table.</para>
/// <para>A row whose vector is all zeros has norm 0 and a NaN unit vector (gensim: 0/0); its score is NaN and it ranks
/// after every number, as in gensim. Using such a word as a query term is refused (gensim returns NaN scores).</para>
/// <para>Order: higher score first, then lower row. gensim sorts with numpy's unstable argsort, so it has no defined
/// order for equal scores; ours is deterministic and independent of the thread count (every score is computed by the
/// same SIMD summation order whichever block or thread computes it).</para>
/// </remarks>
public sealed partial class SimilarityIndex
{
    private const int BlockRows = 2048; // rows a worker takes at a time (fixed: results never depend on the thread count)

    private readonly WordVectors _source;
    private readonly FloatTensor _table; // (V, D) row-major: the source's rows, read in place
    private readonly int _tableVersion; // the table's version when the norms were computed
    private readonly float[] _norms; // (V)
    private readonly RowBlock[] _blocks;
    private readonly SimilarityOptions _options;

    private SimilarityIndex(WordVectors source, FloatTensor table, float[] norms, SimilarityOptions options)
    {
        _source = source;
        _table = table;
        _tableVersion = table.Version;
        _norms = norms;
        _options = options;
        _blocks = MakeBlocks(table, source.Count, source.Dimension);
    }

    /// <summary>The word vectors the index was built from (words and raw rows).</summary>
    public WordVectors Source => _source;

    /// <summary>Number of words V.</summary>
    public int Count => _source.Count;

    /// <summary>Vector dimension D.</summary>
    public int Dimension => _source.Dimension;

    /// <summary>The L2 norm of every row (gensim: <c>KeyedVectors.norms</c>, bit-identical). Shape: (V).</summary>
    public ReadOnlySpan<float> Norms => _norms;

    /// <summary>
    /// Builds the index: the norm of every row, in parallel over fixed row blocks (one read of the table, nothing copied).
    /// norm_i = sqrt(Σ_j x_ij²) in float32 with numpy's pairwise summation. gensim: <c>fill_norms()</c>.
    /// </summary>
    /// <param name="vectors">The table (managed or memory-mapped). The index reads it in place: do not change it afterwards.</param>
    /// <param name="options">Parallelism; null for the defaults.</param>
    /// <exception cref="ArgumentException">The table has dimension 0.</exception>
    public static SimilarityIndex Build(WordVectors vectors, SimilarityOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        options ??= new SimilarityOptions();
        var v = vectors.Count;
        var d = vectors.Dimension;
        if (d == 0 && v > 0)
        {
            throw new ArgumentException($"Cannot build a similarity index over {v} vectors of dimension 0.", nameof(vectors));
        }

        var index = new SimilarityIndex(vectors, vectors.Vectors, new float[v], options);
        var blocks = index._blocks.Length;
        var workers = (long)v * d < options.ParallelThreshold ? 1 : Math.Min(options.MaxDegreeOfParallelism, blocks);
        if (workers <= 1)
        {
            for (var b = 0; b < blocks; b++)
            {
                index.FillNorms(b);
            }
        }
        else
        {
            Parallel.For(0, blocks, new ParallelOptions { MaxDegreeOfParallelism = workers }, index.FillNorms);
        }

        return index;
    }

    /// <summary>Build over a copy of the table split into chunks of at most <paramref name="maxChunkElements"/> floats
    /// (tests use small chunks to exercise chunk boundaries).</summary>
    internal static SimilarityIndex BuildChunked(WordVectors vectors, SimilarityOptions? options, long maxChunkElements)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        var copy = new FloatTensor([vectors.Count, vectors.Dimension], maxChunkElements);
        for (var i = 0; i < vectors.Count; i++)
        {
            vectors.Vectors.Row(i).CopyTo(copy.Row(i));
        }

        return Build(new WordVectors(vectors.Words, copy), options);
    }

    /// <summary>The norms of the rows of block <paramref name="b"/>, read from its chunk in place.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void FillNorms(int b)
    {
        var block = _blocks[b];
        var rows = BlockSpan(block, block.Start, block.Count);
        var d = Dimension;
        for (var i = 0; i < block.Count; i++)
        {
            _norms[block.Start + i] = SimilarityKernels.NumpyNorm(rows.Slice(i * d, d));
        }
    }

    /// <summary>The unit vector of row <paramref name="row"/>: row / norm in float32 (gensim: <c>get_normed_vectors()[row]</c>,
    /// bit-identical; NaN for a zero row), computed into a new array on each call.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The row is outside [0, V).</exception>
    public ReadOnlySpan<float> GetUnitVector(int row)
    {
        var unit = new float[Dimension];
        GetUnitVector(row, unit);
        return unit;
    }

    /// <summary>Writes the unit vector of row <paramref name="row"/> (row / norm in float32, NaN for a zero row) to
    /// <paramref name="destination"/>, allocating nothing. Shape: destination (D).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The row is outside [0, V).</exception>
    /// <exception cref="ArgumentException">The destination's length is not D.</exception>
    public void GetUnitVector(int row, Span<float> destination)
    {
        if ((uint)row >= (uint)Count)
        {
            throw new ArgumentOutOfRangeException(nameof(row), $"Row {row} is out of range for a table of {Count} words.");
        }

        if (destination.Length != Dimension)
        {
            throw new ArgumentException($"The destination holds {destination.Length} values; the dimension is {Dimension}.", nameof(destination));
        }

        UnitRow(row, destination);
    }

    /// <summary>The unit vector of <paramref name="word"/> (gensim: <c>get_vector(word, norm=True)</c>), computed into a
    /// new array on each call.</summary>
    /// <exception cref="KeyNotFoundException">The word is not in the table.</exception>
    public ReadOnlySpan<float> GetUnitVector(string word) => GetUnitVector(RowOf(word, "word"));

    /// <summary>row / norm in float32 into <paramref name="destination"/> (0/0 = NaN for a zero row, as gensim).</summary>
    private void UnitRow(int row, Span<float> destination)
    {
        EnsureUnchanged();
        TensorPrimitives.Divide(_table.Row(row), _norms[row], destination);
    }

    /// <summary>Refuses to answer from norms that no longer match the table.</summary>
    private void EnsureUnchanged()
    {
        if (_table.Version != _tableVersion)
        {
            throw new InvalidOperationException(
                "The word vectors were changed in place after this similarity index was built, so its norms are stale; build a new index.");
        }
    }

    // ---------------------------------------------------------------- pairs

    /// <summary>
    /// Cosine similarity of two words: unit(a)·unit(b). gensim: <c>similarity(w1, w2)</c>, which also returns 0 when a
    /// vector is all zeros (its <c>unitvec</c> leaves a zero vector unchanged); so does this method.
    /// </summary>
    /// <exception cref="KeyNotFoundException">A word is not in the table.</exception>
    public float Similarity(string a, string b)
    {
        var i = RowOf(a, nameof(a));
        var j = RowOf(b, nameof(b));
        if (_norms[i] == 0f || _norms[j] == 0f)
        {
            return 0f;
        }

        var d = Dimension;
        float[]? rented = null;
        var units = d <= 512 ? stackalloc float[2 * d] : (rented = ArrayPool<float>.Shared.Rent(2 * d)).AsSpan(0, 2 * d);
        UnitRow(i, units[..d]);
        UnitRow(j, units[d..]);
        var s = SimilarityKernels.Dot(units[..d], units[d..]);
        if (rented is not null)
        {
            ArrayPool<float>.Shared.Return(rented);
        }

        return s;
    }

    /// <summary>Cosine distance 1 − <see cref="Similarity"/>. gensim: <c>distance(w1, w2)</c>.</summary>
    /// <exception cref="KeyNotFoundException">A word is not in the table.</exception>
    public float Distance(string a, string b) => 1f - Similarity(a, b);

    /// <summary>
    /// Cosine similarity of <paramref name="word"/> with each of <paramref name="others"/>, or with every word (itself
    /// included) when <paramref name="others"/> is null or empty: dot(row, unit(word)) / norm(row), the same number in
    /// both forms. NaN where either vector is all zeros (as gensim's <c>cosine_similarities</c>). Shape: result
    /// (others.Count) or (V).
    /// </summary>
    /// <exception cref="KeyNotFoundException">A word is not in the table.</exception>
    public float[] Similarities(string word, IReadOnlyList<string>? others = null)
    {
        var i = RowOf(word, nameof(word));
        var u = new float[Dimension];
        UnitRow(i, u);
        if (others is null || others.Count == 0)
        {
            var all = new float[Count];
            ScoreAll(u, all);
            return all;
        }

        var rows = Rows(others, nameof(others));
        var result = new float[rows.Length];
        for (var k = 0; k < rows.Length; k++)
        {
            result[k] = SimilarityKernels.Dot(u, _table.Row(rows[k])) / _norms[rows[k]];
        }

        return result;
    }

    /// <summary>Cosine distances 1 − cos from <paramref name="word"/> to each of <paramref name="others"/> (all words when
    /// null or empty). gensim: <c>distances(word, other_words)</c>.</summary>
    /// <exception cref="KeyNotFoundException">A word is not in the table.</exception>
    public float[] Distances(string word, IReadOnlyList<string>? others = null)
    {
        var s = Similarities(word, others);
        for (var k = 0; k < s.Length; k++)
        {
            s[k] = 1f - s[k];
        }

        return s;
    }

    /// <summary>
    /// Cosine similarity of <paramref name="vector"/> with every row, written to <paramref name="destination"/>
    /// (gensim: <c>cosine_similarities(vector, vectors)</c>). A zero vector gives 0 everywhere (NaN for zero rows).
    /// Shape: vector (D), destination (V). Allocates nothing for D ≤ 1024.
    /// </summary>
    /// <exception cref="ArgumentException">Wrong lengths, or the vector holds NaN or ±∞.</exception>
    public void Similarities(ReadOnlySpan<float> vector, Span<float> destination)
    {
        CheckVector(vector, nameof(vector));
        if (destination.Length != Count)
        {
            throw new ArgumentException($"The destination holds {destination.Length} scores; the table has {Count} rows.", nameof(destination));
        }

        var d = Dimension;
        float[]? rented = null;
        var q = d <= 1024 ? stackalloc float[d] : (rented = ArrayPool<float>.Shared.Rent(d)).AsSpan(0, d);
        vector.CopyTo(q);
        SimilarityKernels.UnitVecInPlace(q);
        ScoreAll(q, destination);
        if (rented is not null)
        {
            ArrayPool<float>.Shared.Return(rented);
        }
    }

    // ---------------------------------------------------------------- most_similar

    /// <summary>
    /// The <paramref name="topN"/> words most similar to <paramref name="word"/> (the word itself excluded), best first.
    /// Score = cos(row, q) with q = unitvec(unit(word)). gensim: <c>most_similar(word, topn, restrict_vocab)</c>.
    /// </summary>
    /// <param name="word">The query word.</param>
    /// <param name="topN">Results wanted (fewer when fewer rows are searched); 0 gives an empty list, as gensim.</param>
    /// <param name="restrictVocab">Search only the first N rows (N ≥ 1; more than V means all); null searches all.</param>
    /// <exception cref="KeyNotFoundException">The word is not in the table.</exception>
    /// <exception cref="ArgumentException">The word's vector is all zeros.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="topN"/> is negative or <paramref name="restrictVocab"/> is below 1.</exception>
    public Neighbor[] MostSimilar(string word, int topN = 10, int? restrictVocab = null) =>
        MostSimilar([QueryTerm.FromWord(word)], null, topN, restrictVocab);

    /// <summary>
    /// gensim's <c>most_similar(positive, negative, topn, restrict_vocab)</c> (3CosAdd for analogies):
    /// q = unitvec((Σ_p unit(p) − Σ_n unit(n)) / (P + N)), score = cos(row, q); the query words and
    /// <paramref name="exclude"/> are left out of the results. A word given twice counts twice, as in gensim.
    /// </summary>
    /// <param name="positive">Words that pull towards them (weight +1).</param>
    /// <param name="negative">Words that push away (weight −1), or null.</param>
    /// <param name="topN">Results wanted; 0 gives an empty list.</param>
    /// <param name="restrictVocab">Search only the first N rows (N ≥ 1); null searches all.</param>
    /// <param name="exclude">More words to leave out of the results (words not in the table are ignored), or null.</param>
    /// <exception cref="KeyNotFoundException">A query word is not in the table.</exception>
    /// <exception cref="ArgumentException">No terms at all, or a query word's vector is all zeros.</exception>
    public Neighbor[] MostSimilar(
        IReadOnlyList<string> positive, IReadOnlyList<string>? negative = null, int topN = 10, int? restrictVocab = null, IEnumerable<string>? exclude = null) =>
        MostSimilar(ToTerms(positive, nameof(positive)), negative is null ? null : ToTerms(negative, nameof(negative)), topN, restrictVocab, exclude);

    /// <summary>
    /// The words most similar to <paramref name="vector"/>: q = unitvec(vector) (gensim: <c>similar_by_vector</c>, or
    /// <c>most_similar(positive=[vector])</c>). Nothing is excluded but <paramref name="exclude"/>. Shape: vector (D).
    /// </summary>
    /// <exception cref="ArgumentException">The vector's length is not D or it holds NaN or ±∞.</exception>
    public Neighbor[] MostSimilar(ReadOnlySpan<float> vector, int topN = 10, int? restrictVocab = null, IEnumerable<string>? exclude = null) =>
        MostSimilar([QueryTerm.FromVector(vector.ToArray())], null, topN, restrictVocab, exclude);

    /// <summary>
    /// The general form of gensim's <c>most_similar</c>: words (their unit vectors) and raw vectors (used as given, as gensim
    /// does with ndarray keys), weight +1 for <paramref name="positive"/> and −1 for <paramref name="negative"/>;
    /// q = unitvec(Σ wᵢ·termᵢ / Σ|wᵢ|); score = cos(row, q). Query words and <paramref name="exclude"/> are left out.
    /// </summary>
    /// <exception cref="KeyNotFoundException">A query word is not in the table.</exception>
    /// <exception cref="ArgumentException">No terms, a vector of the wrong length or not finite, or a word whose vector is all zeros.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="topN"/> is negative or <paramref name="restrictVocab"/> is below 1.</exception>
    public Neighbor[] MostSimilar(
        IReadOnlyList<QueryTerm> positive, IReadOnlyList<QueryTerm>? negative, int topN = 10, int? restrictVocab = null, IEnumerable<string>? exclude = null) =>
        Run(positive, negative, cosMul: false, topN, restrictVocab, exclude);

    /// <summary>
    /// Allocation-free form of <see cref="MostSimilar(string, int, int?)"/>: writes the best <c>rows.Length</c> results
    /// into the caller's buffers, best first, and returns how many were written. On tables below
    /// <see cref="SimilarityOptions.ParallelThreshold"/> (or with one thread) it allocates nothing once warm; above it
    /// only the thread pool's bookkeeping. Shape: rows and scores (topN).
    /// </summary>
    /// <exception cref="ArgumentException">The buffers differ in length, or the word's vector is all zeros.</exception>
    /// <exception cref="KeyNotFoundException">The word is not in the table.</exception>
    public int MostSimilar(string word, Span<int> rows, Span<float> scores, int? restrictVocab = null)
    {
        var row = RowOf(word, nameof(word));
        CheckBuffers(rows, scores);
        RequireNonZero(row, "word");
        var d = Dimension;
        var terms = ArrayPool<float>.Shared.Rent(d);
        try
        {
            var q = terms.AsSpan(0, d);
            UnitRow(row, q); // mean of one unit vector: divided by 1, exact
            SimilarityKernels.UnitVecInPlace(q);
            var plan = new Plan(terms, d, 1, 0, false, default, row);
            return Select(plan, Limit(restrictVocab), scores, rows);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(terms);
        }
    }

    /// <summary>
    /// Allocation-free form of <see cref="MostSimilar(ReadOnlySpan{float}, int, int?, IEnumerable{string}?)"/>:
    /// q = unitvec(vector); rows listed in <paramref name="excludeRows"/> (ascending) are left out. Returns the number of
    /// results written. Shape: vector (D), rows and scores (topN).
    /// </summary>
    /// <exception cref="ArgumentException">Wrong lengths, a vector that is not finite, or excluded rows not ascending or out of range.</exception>
    public int MostSimilar(ReadOnlySpan<float> vector, Span<int> rows, Span<float> scores, int? restrictVocab = null, ReadOnlySpan<int> excludeRows = default)
    {
        CheckVector(vector, nameof(vector));
        CheckBuffers(rows, scores);
        for (var k = 0; k < excludeRows.Length; k++)
        {
            if ((uint)excludeRows[k] >= (uint)Count || (k > 0 && excludeRows[k] <= excludeRows[k - 1]))
            {
                throw new ArgumentException(
                    $"Excluded rows must be ascending and within [0, {Count}); position {k} holds {excludeRows[k]}.", nameof(excludeRows));
            }
        }

        var limit = Limit(restrictVocab);
        var d = Dimension;
        var terms = ArrayPool<float>.Shared.Rent(d);
        var excluded = ArrayPool<int>.Shared.Rent(Math.Max(1, excludeRows.Length));
        try
        {
            var q = terms.AsSpan(0, d);
            vector.CopyTo(q);
            SimilarityKernels.UnitVecInPlace(q);
            excludeRows.CopyTo(excluded);
            var plan = new Plan(terms, d, 1, 0, false, new ArraySegment<int>(excluded, 0, excludeRows.Length), -1);
            return Select(plan, limit, scores, rows);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(terms);
            ArrayPool<int>.Shared.Return(excluded);
        }
    }

    /// <summary>
    /// gensim's <c>most_similar_cosmul</c> (Levy &amp; Goldberg 2014, eq. 4 with cosines shifted to [0, 1] as in their
    /// footnote 7): score = Π_p s(row, p) / (Π_n s(row, n) + 1e-6), s = (1 + cos) / 2, products in list order, float32.
    /// Query words and <paramref name="exclude"/> are left out. With one positive word the order equals
    /// <see cref="MostSimilar(string, int, int?)"/>'s.
    /// </summary>
    /// <remarks>gensim 4.2 ignores <c>restrict_vocab</c> in <c>most_similar_cosmul</c>; this method honours
    /// <paramref name="restrictVocab"/>.</remarks>
    /// <exception cref="KeyNotFoundException">A query word is not in the table.</exception>
    /// <exception cref="ArgumentException">No positive word, or a query word's vector is all zeros.</exception>
    public Neighbor[] MostSimilarCosMul(
        IReadOnlyList<string> positive, IReadOnlyList<string>? negative = null, int topN = 10, int? restrictVocab = null, IEnumerable<string>? exclude = null) =>
        MostSimilarCosMul(ToTerms(positive, nameof(positive)), negative is null ? null : ToTerms(negative, nameof(negative)), topN, restrictVocab, exclude);

    /// <summary>
    /// <see cref="MostSimilarCosMul(IReadOnlyList{string}, IReadOnlyList{string}?, int, int?, IEnumerable{string}?)"/> with
    /// vector terms. Unlike gensim 4.2, which takes an ndarray term as is (so its "cosine" is scaled by the vector's norm),
    /// vector terms are unit-normalised first, so every factor is a shifted cosine.
    /// </summary>
    public Neighbor[] MostSimilarCosMul(
        IReadOnlyList<QueryTerm> positive, IReadOnlyList<QueryTerm>? negative, int topN = 10, int? restrictVocab = null, IEnumerable<string>? exclude = null) =>
        Run(positive, negative, cosMul: true, topN, restrictVocab, exclude);

    /// <summary>
    /// "<paramref name="a"/> is to <paramref name="b"/> as <paramref name="c"/> is to ?": the candidates d for b − a + c,
    /// best first, with a, b and c excluded. 3CosAdd = <c>most_similar(positive=[b, c], negative=[a])</c>;
    /// 3CosMul = <c>most_similar_cosmul(positive=[b, c], negative=[a])</c>. Example: Analogy("man", "king", "woman") → queen.
    /// </summary>
    /// <exception cref="KeyNotFoundException">A word is not in the table.</exception>
    public Neighbor[] Analogy(string a, string b, string c, AnalogyObjective objective = AnalogyObjective.CosAdd, int topN = 10, int? restrictVocab = null) =>
        objective switch
        {
            AnalogyObjective.CosAdd => MostSimilar([b, c], [a], topN, restrictVocab),
            AnalogyObjective.CosMul => MostSimilarCosMul([b, c], [a], topN, restrictVocab),
            _ => throw new ArgumentOutOfRangeException(nameof(objective), objective, "Unknown analogy objective."),
        };

    // ---------------------------------------------------------------- doesnt_match

    /// <summary>
    /// gensim's <c>rank_by_centrality(words)</c>: m = unitvec(mean of the words' unit vectors); each word scored by
    /// cos(unit(word), m); sorted by score descending, equal scores by word descending (ordinal), as Python sorts the
    /// (score, word) tuples. Duplicates stay (and weigh twice in the mean).
    /// </summary>
    /// <remarks>gensim ignores (and logs) words it does not know; this method throws instead.</remarks>
    /// <exception cref="ArgumentException">The list is empty, or a word's vector is all zeros.</exception>
    /// <exception cref="KeyNotFoundException">A word is not in the table.</exception>
    public Neighbor[] RankByCentrality(IReadOnlyList<string> words)
    {
        ArgumentNullException.ThrowIfNull(words);
        if (words.Count == 0)
        {
            throw new ArgumentException("Cannot rank an empty list of words.", nameof(words));
        }

        var rows = Rows(words, nameof(words));
        foreach (var r in rows)
        {
            RequireNonZero(r, "word");
        }

        var d = Dimension;
        var units = new float[rows.Length * d];
        var mean = new float[d];
        for (var k = 0; k < rows.Length; k++)
        {
            var u = units.AsSpan(k * d, d);
            UnitRow(rows[k], u);
            for (var j = 0; j < mean.Length; j++)
            {
                mean[j] += u[j];
            }
        }

        for (var j = 0; j < mean.Length; j++)
        {
            mean[j] /= rows.Length;
        }

        SimilarityKernels.UnitVecInPlace(mean);
        var result = new Neighbor[rows.Length];
        for (var k = 0; k < rows.Length; k++)
        {
            result[k] = new Neighbor(_source.Words[rows[k]], rows[k], SimilarityKernels.Dot(units.AsSpan(k * d, d), mean));
        }

        Array.Sort(result, static (x, y) =>
        {
            var c = y.Score.CompareTo(x.Score);
            return c != 0 ? c : string.CompareOrdinal(y.Word, x.Word);
        });
        return result;
    }

    /// <summary>The word furthest from the others: the last of <see cref="RankByCentrality"/> (lowest cosine to the mean
    /// of the unit vectors; among equal scores the ordinally smallest word). gensim: <c>doesnt_match(words)</c>.</summary>
    /// <exception cref="ArgumentException">The list is empty, or a word's vector is all zeros.</exception>
    /// <exception cref="KeyNotFoundException">A word is not in the table.</exception>
    public string DoesntMatch(IReadOnlyList<string> words)
    {
        var ranked = RankByCentrality(words);
        return ranked[^1].Word;
    }

    // ---------------------------------------------------------------- query vector

    /// <summary>
    /// The query vector gensim's <c>most_similar</c> searches with: <c>get_mean_vector(keys, weights, pre_normalize=True,
    /// post_normalize=True)</c> = unitvec(Σ wᵢ·termᵢ / Σ|wᵢ|), word terms by their unit vectors, float32 in term order.
    /// Bit-identical to gensim's (unitvec: float64 norm and scaling, rounded to float32). Shape: destination (D).
    /// </summary>
    /// <exception cref="KeyNotFoundException">A word is not in the table.</exception>
    /// <exception cref="ArgumentException">No terms, a vector of the wrong length or not finite, a zero word vector, or a wrong destination length.</exception>
    public void QueryVector(IReadOnlyList<QueryTerm> positive, IReadOnlyList<QueryTerm>? negative, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(positive);
        if (destination.Length != Dimension)
        {
            throw new ArgumentException($"The destination holds {destination.Length} values; the dimension is {Dimension}.", nameof(destination));
        }

        negative ??= [];
        if (positive.Count + negative.Count == 0)
        {
            throw new ArgumentException("A similarity query needs at least one positive or negative term; both lists are empty.", nameof(positive));
        }

        destination.Clear();
        AddTerms(positive, 1f, destination, nameof(positive));
        AddTerms(negative, -1f, destination, nameof(negative));
        float total = positive.Count + negative.Count;
        for (var j = 0; j < destination.Length; j++)
        {
            destination[j] /= total;
        }

        SimilarityKernels.UnitVecInPlace(destination);
        CheckFinite(destination, "The query vector (the mean of the terms)");
    }
}

/// <summary>Builds a <see cref="SimilarityIndex"/> from word vectors.</summary>
public static class SimilarityIndexExtensions
{
    /// <summary>Same as <see cref="SimilarityIndex.Build"/>: norms and unit rows computed once, now.</summary>
    public static SimilarityIndex ToSimilarityIndex(this WordVectors vectors, SimilarityOptions? options = null) =>
        SimilarityIndex.Build(vectors, options);
}
