using EmbedSharp.Numerics;
using EmbedSharp.Randomness;
using EmbedSharp.Vectors;
using EmbedSharp.Vectors.Similarity;

namespace EmbedSharp.Tests.Vectors;

public sealed class SimilarityIndexTests
{
    /// <summary>V random words of dimension D (not a multiple of 8, so kernel tails run), row <paramref name="zeroRow"/> all zeros.</summary>
    private static WordVectors Table(int v, int d, int zeroRow = -1, ulong seed = 7)
    {
        var t = new FloatTensor(v, d);
        Distributions.Normal(new Generator(seed), t, 0, 1);
        if (zeroRow >= 0)
        {
            t.Row(zeroRow).Clear();
        }

        return new WordVectors([.. Enumerable.Range(0, v).Select(i => $"w{i}")], t);
    }

    private static SimilarityIndex Small() => SimilarityIndex.Build(Table(50, 13, zeroRow: 4));

    [Fact]
    public void Unknown_words_throw_key_not_found_naming_the_word()
    {
        var index = Small();
        Assert.Contains("'nope'", Assert.Throws<KeyNotFoundException>(() => index.MostSimilar("nope")).Message, StringComparison.Ordinal);
        Assert.Contains("'nope'", Assert.Throws<KeyNotFoundException>(() => index.MostSimilar(["w1"], ["nope"])).Message, StringComparison.Ordinal);
        Assert.Contains("'nope'", Assert.Throws<KeyNotFoundException>(() => index.Similarity("w1", "nope")).Message, StringComparison.Ordinal);
        Assert.Contains("'nope'", Assert.Throws<KeyNotFoundException>(() => index.DoesntMatch(["w1", "w2", "nope"])).Message, StringComparison.Ordinal);
        Assert.Contains("'nope'", Assert.Throws<KeyNotFoundException>(() => index.Analogy("w1", "nope", "w2")).Message, StringComparison.Ordinal);
        Assert.Throws<KeyNotFoundException>(() => index.MostSimilarBatch(["w1", "nope"]));
    }

    [Fact]
    public void Empty_queries_are_refused_with_a_clear_message()
    {
        var index = Small();
        Assert.Contains("at least one", Assert.Throws<ArgumentException>(() => index.MostSimilar(Array.Empty<string>())).Message, StringComparison.Ordinal);
        Assert.Contains("positive", Assert.Throws<ArgumentException>(() => index.MostSimilarCosMul([], ["w1"])).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => index.DoesntMatch([]));

        // gensim's most_similar accepts negative terms alone: the query is then −unit(w1), the farthest words come first.
        var far = index.MostSimilar([], ["w1"], topN: 3);
        Assert.Equal(index.Similarities("w1").Select((s, i) => (s, i)).Where(p => p.i != 1 && !float.IsNaN(p.s)).MinBy(p => p.s).i, far[0].Index);
    }

    [Fact]
    public void TopN_larger_than_the_vocabulary_returns_every_other_row_best_first_with_the_zero_row_last()
    {
        var index = Small();
        var all = index.MostSimilar("w0", topN: 1000);
        Assert.Equal(49, all.Length);
        Assert.DoesNotContain(all, n => n.Word == "w0");
        Assert.Equal("w4", all[^1].Word); // NaN score (zero vector) after every number, as gensim
        Assert.True(float.IsNaN(all[^1].Score));
        for (var i = 1; i < all.Length - 1; i++)
        {
            Assert.True(all[i - 1].Score >= all[i].Score);
        }

        Assert.Empty(index.MostSimilar("w0", topN: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => index.MostSimilar("w0", topN: -1));
    }

    [Fact]
    public void RestrictVocab_searches_the_first_rows_refuses_zero_and_clamps_beyond_the_table()
    {
        var index = Small();
        var first = index.MostSimilar("w30", topN: 100, restrictVocab: 10);
        Assert.Equal(10, first.Length); // w30 is outside the first 10 rows, so nothing is excluded
        Assert.All(first, n => Assert.True(n.Index < 10));
        Assert.Equal(index.MostSimilar("w30", 5), index.MostSimilar("w30", 5, restrictVocab: 1_000_000));
        Assert.Contains("restrictVocab", Assert.Throws<ArgumentOutOfRangeException>(() => index.MostSimilar("w1", 5, restrictVocab: 0)).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => index.MostSimilar("w1", 5, restrictVocab: -3));
        Assert.Single(index.MostSimilar("w30", 5, restrictVocab: 1));
    }

    [Fact]
    public void A_zero_vector_has_nan_scores_similarity_zero_and_cannot_be_a_query()
    {
        var index = Small();
        Assert.Equal(0f, index.Norms[4]);
        Assert.Equal(0f, index.Similarity("w4", "w1")); // gensim's similarity: unitvec leaves zeros, dot = 0
        Assert.True(float.IsNaN(index.Similarities("w1", ["w4"])[0])); // gensim's cosine_similarities: 0/0
        Assert.Contains("all-zero", Assert.Throws<ArgumentException>(() => index.MostSimilar("w4")).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => index.MostSimilarCosMul(["w1", "w4"]));
        Assert.Throws<ArgumentException>(() => index.DoesntMatch(["w1", "w2", "w4"]));
    }

    [Fact]
    public void Duplicate_query_words_count_twice_and_are_excluded_once()
    {
        var index = Small();
        var twice = index.MostSimilar(["w1", "w1", "w2"], topN: 5);
        var manual = new float[13];
        var u1 = index.GetUnitVector("w1");
        var u2 = index.GetUnitVector("w2");
        for (var j = 0; j < 13; j++)
        {
            manual[j] = (u1[j] + u1[j] + u2[j]) / 3f;
        }

        Assert.Equal(index.MostSimilar(manual, topN: 7).Where(n => n.Word is not "w1" and not "w2").Take(5), twice);
        Assert.DoesNotContain(twice, n => n.Word is "w1" or "w2");
    }

    [Fact]
    public void An_explicit_exclude_set_leaves_words_out_and_ignores_unknown_words()
    {
        var index = Small();
        var plain = index.MostSimilar("w0", 6);
        var excluded = index.MostSimilar(["w0"], null, 4, exclude: [plain[0].Word, plain[2].Word, "not-a-word"]);
        Assert.Equal([plain[1], plain[3], plain[4], plain[5]], excluded);
    }

    [Fact]
    public void Vector_queries_of_the_wrong_length_or_not_finite_are_refused()
    {
        var index = Small();
        Assert.Contains("13", Assert.Throws<ArgumentException>(() => index.MostSimilar(new float[12])).Message, StringComparison.Ordinal);
        var bad = new float[13];
        bad[3] = float.NaN;
        Assert.Contains("position 3", Assert.Throws<ArgumentException>(() => index.MostSimilar(bad)).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => index.MostSimilarBatch(new FloatTensor(2, 12)));
        Assert.Throws<ArgumentException>(() => index.MostSimilar("w1", new int[3], new float[2]));
        Assert.Throws<ArgumentException>(() => index.MostSimilar(new float[13], new int[3], new float[3], excludeRows: [5, 2]));
    }

    [Fact]
    public void Cosmul_with_one_positive_word_orders_like_most_similar()
    {
        var index = Small();
        Assert.Equal(index.MostSimilar("w9", 8).Select(n => n.Word), index.MostSimilarCosMul(["w9"], topN: 8).Select(n => n.Word));
        var a = index.Analogy("w1", "w2", "w3", AnalogyObjective.CosMul, 3);
        Assert.DoesNotContain(a, n => n.Word is "w1" or "w2" or "w3");
    }

    [Fact]
    public void The_single_query_span_path_allocates_nothing_when_warm()
    {
        var index = Small();
        var rows = new int[10];
        var scores = new float[10];
        var vector = new float[13];
        vector[2] = 1f;
        ReadOnlySpan<int> exclude = [1, 7];
        index.MostSimilar("w3", rows, scores);
        index.MostSimilar(vector, rows, scores, excludeRows: exclude);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var n = index.MostSimilar("w3", rows, scores);
        var mid = GC.GetAllocatedBytesForCurrentThread();
        n += index.MostSimilar(vector, rows, scores, restrictVocab: 40, excludeRows: exclude);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal((0L, 0L), (mid - before, allocated));
        Assert.Equal(20, n);
        Assert.Equal(index.MostSimilar(vector, 12, 40).Where(x => x.Index is not 1 and not 7).Take(10).Select(x => x.Index), rows);
    }

    [Fact]
    public void Results_do_not_depend_on_the_thread_count_or_the_chunking()
    {
        var table = Table(6000, 37, zeroRow: 100, seed: 11);
        var one = SimilarityIndex.Build(table, new SimilarityOptions { MaxDegreeOfParallelism = 1 });
        var three = SimilarityIndex.Build(table, new SimilarityOptions { MaxDegreeOfParallelism = 3, ParallelThreshold = 0 });
        var chunked = SimilarityIndex.BuildChunked(table, new SimilarityOptions { MaxDegreeOfParallelism = 2, ParallelThreshold = 0 }, 37 * 999);
        string[] words = ["w0", "w5", "w77", "w4096", "w5999"];
        foreach (var w in words)
        {
            var expected = one.MostSimilar(w, 25);
            Assert.Equal(expected, three.MostSimilar(w, 25));
            Assert.Equal(expected, chunked.MostSimilar(w, 25));
            Assert.Equal(one.MostSimilarCosMul([w, "w1"], ["w2"], 9), chunked.MostSimilarCosMul([w, "w1"], ["w2"], 9));
        }

        var b1 = one.MostSimilarBatch(words, 25, restrictVocab: 5000);
        var b3 = three.MostSimilarBatch(words, 25, restrictVocab: 5000);
        var bc = chunked.MostSimilarBatch(words, 25, restrictVocab: 5000);
        Assert.Equal(b1.Rows, b3.Rows);
        Assert.Equal(b1.Scores, b3.Scores);
        Assert.Equal(b1.Rows, bc.Rows);
        for (var k = 0; k < words.Length; k++)
        {
            Assert.Equal(one.MostSimilar(words[k], 25, 5000), b1[k]);
        }
    }

    [Fact]
    public void Batches_with_fewer_rows_than_topN_pad_with_minus_one_and_nan()
    {
        var index = Small();
        var q = new FloatTensor(5, 13);
        q[0, 1] = 1f;
        q[3, 2] = -2f;
        var b = index.MostSimilarBatch(q, topN: 8, restrictVocab: 6);
        Assert.Equal(5, b.QueryCount);
        Assert.All(b.Counts, c => Assert.Equal(6, c));
        Assert.Equal(-1, b.Rows[6]);
        Assert.True(float.IsNaN(b.Scores[7]));
        Assert.Equal(index.MostSimilar(q.Row(3), 8, 6), b[3]);
        Assert.Empty(index.MostSimilarBatch(new FloatTensor(0, 13)).Counts);
    }

    [Fact]
    public void Dot_kernels_agree_bit_for_bit_at_every_length()
    {
        var g = new Generator(3);
        for (var d = 0; d <= 41; d++)
        {
            var rows = new float[11 * d];
            var queries = new float[4 * d];
            Distributions.Normal(g, rows, 0, 1);
            Distributions.Normal(g, queries, 0, 1);
            var one = new float[11];
            var four = new float[4 * 11];
            SimilarityKernels.DotRows(queries.AsSpan(0, d), rows, d, 11, one);
            SimilarityKernels.DotRows4(queries, rows, d, 11, four, 11);
            for (var r = 0; r < 11; r++)
            {
                var dot = SimilarityKernels.Dot(queries.AsSpan(0, d), rows.AsSpan(r * d, d));
                Assert.Equal(dot, one[r]);
                Assert.Equal(dot, four[r]);
                var exact = 0.0;
                for (var j = 0; j < d; j++)
                {
                    exact += (double)queries[j] * rows[(r * d) + j];
                }

                Assert.True(Math.Abs(exact - dot) <= 1e-5 * (1 + Math.Abs(exact)), $"d={d} row {r}: {dot} vs {exact}");
                for (var k = 1; k < 4; k++)
                {
                    Assert.Equal(SimilarityKernels.Dot(queries.AsSpan(k * d, d), rows.AsSpan(r * d, d)), four[(k * 11) + r]);
                }
            }
        }
    }

    [Fact]
    public void Top_k_selection_equals_a_full_sort_with_ties_and_nans()
    {
        var g = new Generator(5);
        var raw = new float[500];
        Distributions.Uniform(g, raw, 0, 1);
        var scores = raw.Select((x, i) => i % 17 == 0 ? float.NaN : MathF.Round(x * 20f) / 20f).ToArray(); // many exact ties
        var expected = scores.Select((s, i) => (s, i)).OrderBy(p => float.IsNaN(p.s) ? 1 : 0).ThenByDescending(p => p.s).ThenBy(p => p.i).ToArray();
        foreach (var k in new[] { 1, 2, 7, 64, 499, 500, 600 })
        {
            var cap = Math.Min(k, 500);
            var s = new float[cap];
            var r = new int[cap];
            var top = new TopK(s, r);
            top.OfferBlock(scores.AsSpan(0, 300), 0, [], -1);
            top.OfferBlock(scores.AsSpan(300), 300, [], -1);
            Assert.Equal(cap, top.SortDescending());
            Assert.Equal(expected.Take(cap).Select(p => p.i), r);
        }
    }
}
