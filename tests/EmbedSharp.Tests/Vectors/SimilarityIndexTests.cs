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

    /// <summary>A clustered table (tight clusters, so many scores sit near each query's cut) with exact ties: row 1 repeats
    /// row 0, row 3 is 4 × row 2, row 5 is all zeros; D = 45 (not a multiple of 16, so the screening pads).</summary>
    private static WordVectors Clustered(int v, int d, ulong seed)
    {
        var g = new Generator(seed);
        var centres = new float[20 * d];
        Distributions.Normal(g, centres, 0, 1);
        var t = new FloatTensor(v, d);
        Distributions.Normal(g, t, 0, 0.05f);
        for (var i = 0; i < v; i++)
        {
            var row = t.Row(i);
            var c = centres.AsSpan((i % 20) * d, d);
            for (var j = 0; j < d; j++)
            {
                row[j] = (row[j] + c[j]) * (1 + (i % 7));
            }
        }

        t.Row(0).CopyTo(t.Row(1));
        for (var j = 0; j < d; j++)
        {
            t.Row(3)[j] = 4 * t.Row(2)[j];
        }

        t.Row(5).Clear();
        return new WordVectors([.. Enumerable.Range(0, v).Select(i => $"w{i}")], t);
    }

    [Fact]
    public void Screened_batches_equal_the_exhaustive_float_scan_bit_for_bit()
    {
        var table = Clustered(3000, 45, 21);
        var screened = SimilarityIndex.Build(table, new SimilarityOptions { MaxDegreeOfParallelism = 2, ParallelThreshold = 0 });
        var exhaustive = SimilarityIndex.Build(table, new SimilarityOptions { MaxDegreeOfParallelism = 1, ExactScan = true });
        var words = Enumerable.Range(0, 61).Select(i => $"w{i * 7}").Append("w1").Append("w2").ToArray();
        foreach (var (topN, restrict) in new (int, int?)[] { (10, null), (1, null), (40, 2999), (7, 300), (3000, null) })
        {
            var a = screened.MostSimilarBatch(words, topN, restrict);
            var b = exhaustive.MostSimilarBatch(words, topN, restrict);
            Assert.Equal(b.Rows, a.Rows);
            Assert.Equal(b.Scores, a.Scores);
            Assert.Equal(b.Counts, a.Counts);
        }

        var g = new Generator(4);
        var queries = new FloatTensor(37, 45);
        Distributions.Normal(g, queries, 0, 1);
        table.Vectors.Row(10).CopyTo(queries.Row(0)); // a row's own direction: the best score is exactly that row's
        queries.Row(1).Clear(); // a zero query scores 0 everywhere (NaN for the zero row)
        var qa = screened.MostSimilarBatch(queries, 12);
        var qb = exhaustive.MostSimilarBatch(queries, 12);
        Assert.Equal(qb.Rows, qa.Rows);
        Assert.Equal(qb.Scores, qa.Scores);
        Assert.Equal(screened.MostSimilar(queries.Row(3), 12), qa[3]);
        Assert.Equal(10, qa[0][0].Index);
    }

    [Fact]
    public void The_screening_bound_holds_for_every_pair()
    {
        var g = new Generator(8);
        foreach (var d in new[] { 1, 7, 16, 45, 300, 1024 })
        {
            var m = SimilarityKernels.ScreenLimit(d);
            Assert.True((long)d * m * m <= int.MaxValue);
            var dp = SimilarityKernels.ScreenDim(d);
            var x = new float[d];
            var q = new float[d];
            var xi = new short[dp];
            var qi = new short[dp];
            for (var trial = 0; trial < 200; trial++)
            {
                Distributions.Normal(g, x, 0, trial % 3 == 0 ? 100 : 1);
                Distributions.Normal(g, q, 0, 1);
                x[trial % d] *= 50; // one large element: most others quantise coarsely
                var sx = SimilarityKernels.Quantize(x, m, xi, out var rx);
                var sq = SimilarityKernels.Quantize(q, m, qi, out var rq);
                Assert.All(xi, v => Assert.InRange(v, -m, m));
                long dot = 0;
                for (var j = 0; j < dp; j++)
                {
                    dot += xi[j] * qi[j];
                }

                var exact = 0.0;
                double nx = 0, nq = 0;
                for (var j = 0; j < d; j++)
                {
                    exact += (double)x[j] * q[j];
                    nx += (double)x[j] * x[j];
                    nq += (double)q[j] * q[j];
                }

                // |q·x − s_q·s_x·(q̂·x̂)| ≤ (‖q‖ + ‖ρ‖)·‖r‖ + ‖ρ‖·‖x‖, with the residual norms the kernel reports (tiny float slack).
                var bound = ((Math.Sqrt(nq) + rq) * rx) + (rq * Math.Sqrt(nx));
                Assert.True(Math.Abs(exact - ((double)sq * sx * dot)) <= (bound * (1 + 1e-4)) + 1e-9, $"d={d} trial {trial}");
            }
        }
    }

    [Fact]
    public void Panel_kernel_gives_exact_integer_dot_products()
    {
        const int d = 45;
        var dp = SimilarityKernels.ScreenDim(d);
        var g = new Generator(9);
        var values = new float[20 * d];
        Distributions.Normal(g, values, 0, 1);
        var ints = new short[20 * dp];
        for (var r = 0; r < 20; r++)
        {
            SimilarityKernels.Quantize(values.AsSpan(r * d, d), SimilarityKernels.ScreenLimit(d), ints.AsSpan(r * dp, dp), out _);
        }

        // rows 4..16 (12 rows) in two panels, the second only half full; queries: rows 0..3.
        var panelLength = dp / 2 * SimilarityKernels.PanelRows;
        var panels = new int[2 * panelLength];
        SimilarityKernels.Interleave(ints.AsSpan(4 * dp), dp, 8, panels.AsSpan(0, panelLength));
        SimilarityKernels.Interleave(ints.AsSpan(12 * dp), dp, 4, panels.AsSpan(panelLength));
        var dots = new int[64];
        SimilarityKernels.ScreenPanels4(ints.AsSpan(0, 4 * dp), dp, panels.AsSpan(0, panelLength), panels.AsSpan(panelLength), dots);
        for (var k = 0; k < 4; k++)
        {
            for (var r = 0; r < 16; r++)
            {
                var expected = 0;
                if (r < 12)
                {
                    for (var j = 0; j < dp; j++)
                    {
                        expected += ints[(k * dp) + j] * ints[((4 + r) * dp) + j];
                    }
                }

                Assert.Equal(expected, dots[(k * 16) + r]);
            }
        }
    }

    [Fact]
    public void Queries_refuse_a_table_the_library_changed_after_the_build()
    {
        var table = Table(50, 13);
        var index = SimilarityIndex.Build(table);
        Assert.NotEmpty(index.MostSimilar("w1", 3));
        table.Vectors.BumpVersion(); // what an optimiser step on a shared embedding table does
        Assert.Contains("changed", Assert.Throws<InvalidOperationException>(() => index.MostSimilar("w1", 3)).Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => index.MostSimilarBatch(["w1"]));
        Assert.Throws<InvalidOperationException>(() => index.Similarities("w1"));
        Assert.NotEmpty(SimilarityIndex.Build(table).MostSimilar("w1", 3));
    }

    [Fact]
    public void Unit_vectors_are_row_over_norm_and_the_span_form_allocates_nothing()
    {
        var index = Small();
        var destination = new float[13];
        index.GetUnitVector(7, destination);
        var before = GC.GetAllocatedBytesForCurrentThread();
        index.GetUnitVector(7, destination);
        Assert.Equal(0L, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(index.GetUnitVector("w7").ToArray(), destination);
        var row = index.Source.GetVector(7);
        for (var j = 0; j < 13; j++)
        {
            Assert.Equal(row[j] / index.Norms[7], destination[j]);
        }

        Assert.Throws<ArgumentException>(() => index.GetUnitVector(7, new float[12]));
        Assert.Throws<ArgumentOutOfRangeException>(() => index.GetUnitVector(50, destination));
    }
}
