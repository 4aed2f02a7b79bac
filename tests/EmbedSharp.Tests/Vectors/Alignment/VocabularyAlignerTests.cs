using System.Globalization;
using System.Text.Json;
using EmbedSharp.Numerics;
using EmbedSharp.Randomness;
using EmbedSharp.Tests.Vectors.Formats;
using EmbedSharp.Tokenization;
using EmbedSharp.Vectors;
using EmbedSharp.Vectors.Alignment;

namespace EmbedSharp.Tests.Vectors.Alignment;

public sealed class VocabularyAlignerTests
{
    private static readonly JsonElement Golden = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "data", "native", "alignment.json"))).RootElement;

    private static WordVectors Pretrained()
    {
        var words = Golden.GetProperty("pretrained_words").EnumerateArray().Select(e => e.GetString()!).ToArray();
        return new WordVectors(words, FromBits(Golden.GetProperty("pretrained_bits"), words.Length, 5));
    }

    private static FloatTensor FromBits(JsonElement bits, long rows, long cols) =>
        FloatTensor.FromArray(bits.EnumerateArray().Select(b => BitConverter.UInt32BitsToSingle(b.GetUInt32())).ToArray(), rows, cols);

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void Aligned_weights_equal_torch_bit_for_bit(int caseIndex)
    {
        var c = Golden.GetProperty("cases")[caseIndex];
        var vocab = Golden.GetProperty("vocab").EnumerateArray().Select(e => e.GetString()!).ToArray();
        var options = new AlignmentOptions { CaseFallback = c.GetProperty("case").GetString() == "any" ? CaseFallback.AnyCase : CaseFallback.Lowercase };
        var result = VocabularyAligner.Align(vocab, Pretrained(), new Generator(c.GetProperty("seed").GetInt64()), options);
        FormatAssert.BitEqual(FromBits(c.GetProperty("weights_bits"), vocab.Length, 5), result.Weights);
        var missing = c.GetProperty("missing").EnumerateArray().Select(e => vocab[e.GetInt32()]).ToArray();
        Assert.Equal(missing, result.Report.InitialisedTokens);
        Assert.Equal(0, result.PaddingIndex);
        Assert.Equal(AlignmentSource.Padding, result.Report.Sources[0]);
    }

    [Fact]
    public void Pretrained_statistics_match_numpy_float64()
    {
        var (mean, std) = VocabularyAligner.Statistics(Pretrained());
        var expectedMean = HexDouble(Golden.GetProperty("mean").GetString()!);
        var expectedStd = HexDouble(Golden.GetProperty("std").GetString()!);
        Assert.True(Math.Abs(mean - expectedMean) <= 1e-15 * Math.Abs(expectedMean), $"mean {mean:R} vs numpy {expectedMean:R}");
        Assert.True(Math.Abs(std - expectedStd) <= 1e-15 * expectedStd, $"std {std:R} vs numpy {expectedStd:R}");
    }

    [Fact]
    public void Forty_missing_rows_take_torch_vectorised_normal_path()
    {
        var vocab = Golden.GetProperty("big_vocab").EnumerateArray().Select(e => e.GetString()!).ToArray();
        var result = VocabularyAligner.Align(vocab, Pretrained(), new Generator(Golden.GetProperty("big_seed").GetInt64()));
        FormatAssert.BitEqual(FromBits(Golden.GetProperty("big_weights_bits"), vocab.Length, 5), result.Weights);
        Assert.Null(result.PaddingIndex);
    }

    [Fact]
    public void Case_fallbacks_are_exact_then_lowercase_then_any_case()
    {
        var pre = new WordVectors(["Paris", "paris", "London", "the"], FloatTensor.FromArray([1f, 2f, 3f, 4f], 4, 1));
        string[] vocab = ["Paris", "PARIS", "london", "The", "LONDON", "berlin"];
        var g = new Generator(1);
        var none = VocabularyAligner.Align(vocab, pre, g, new AlignmentOptions { CaseFallback = CaseFallback.None, OovInit = OovInit.Zeros });
        Assert.Equal([1f, 0f, 0f, 0f, 0f, 0f], none.Weights.ToArray());
        var lower = VocabularyAligner.Align(vocab, pre, g, new AlignmentOptions { OovInit = OovInit.Zeros });
        Assert.Equal([1f, 2f, 0f, 4f, 0f, 0f], lower.Weights.ToArray()); // PARIS -> paris, The -> the
        var any = VocabularyAligner.Align(vocab, pre, g, new AlignmentOptions { CaseFallback = CaseFallback.AnyCase, OovInit = OovInit.Zeros });
        Assert.Equal([1f, 2f, 3f, 4f, 3f, 0f], any.Weights.ToArray()); // london, LONDON -> London
        Assert.Equal(1, any.Report.Exact);
        Assert.Equal(4, any.Report.CaseFallback);
        Assert.Equal(["berlin"], any.Report.InitialisedTokens);
    }

    [Fact]
    public void Subword_provider_fills_what_the_table_lacks_and_may_decline()
    {
        var pre = new WordVectors(["a"], FloatTensor.FromArray([1f, 1f], 1, 2));
        var provider = new FakeSubwords(2);
        var result = VocabularyAligner.Align(["a", "bc", "zz"], pre, new Generator(0), new AlignmentOptions { Subwords = provider, OovInit = OovInit.Zeros });
        Assert.Equal([1f, 1f, 2f, 2f, 0f, 0f], result.Weights.ToArray());
        Assert.Equal([AlignmentSource.Exact, AlignmentSource.Subword, AlignmentSource.Initialised], result.Report.Sources);
        Assert.Equal(["bc", "zz"], provider.Asked);
        var e = Assert.Throws<ArgumentException>(() => VocabularyAligner.Align(["a"], pre, new Generator(0), new AlignmentOptions { Subwords = new FakeSubwords(3) }));
        Assert.Contains("3-dimensional", e.Message, StringComparison.Ordinal);
        Assert.Contains("have 2", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Empty_vocabulary_gives_an_empty_matrix()
    {
        var result = VocabularyAligner.Align(Array.Empty<string>(), Pretrained(), new Generator(0));
        Assert.Equal([0L, 5L], result.Weights.Shape.ToArray());
        Assert.Equal(0, result.Report.VocabularySize);
        Assert.Contains("Aligned 0 tokens", result.Report.Format(), StringComparison.Ordinal);
    }

    [Fact]
    public void All_missing_tokens_are_initialised_deterministically_for_a_seed()
    {
        string[] vocab = ["x1", "x2", "x3", "x4"];
        var a = VocabularyAligner.Align(vocab, Pretrained(), new Generator(42));
        var b = VocabularyAligner.Align(vocab, Pretrained(), new Generator(42));
        var c = VocabularyAligner.Align(vocab, Pretrained(), new Generator(43));
        FormatAssert.BitEqual(a.Weights, b.Weights);
        Assert.NotEqual(a.Weights.ToArray(), c.Weights.ToArray());
        Assert.Equal(4, a.Report.Initialised);
        Assert.Equal(0, a.Report.TypeCoverage);
        // The fill is torch's normal_ on the (4, 5) block: same as Init.Normal on a fresh tensor.
        var (mean, std) = VocabularyAligner.Statistics(Pretrained());
        var expected = new FloatTensor(4, 5);
        new Generator(42).Normal(expected, mean, std);
        FormatAssert.BitEqual(expected, a.Weights);
    }

    [Fact]
    public void Padding_row_is_zero_by_token_or_index_and_bad_indices_are_refused()
    {
        var pre = new WordVectors(["<pad>", "a"], FloatTensor.FromArray([5f, 5f, 1f, 1f], 2, 2));
        var byToken = VocabularyAligner.Align(["a", "<pad>"], pre, new Generator(0));
        Assert.Equal([1f, 1f, 0f, 0f], byToken.Weights.ToArray()); // zero even though the table has "<pad>"
        Assert.Equal(1, byToken.PaddingIndex);
        var byIndex = VocabularyAligner.Align(["a", "b", "c"], pre, new Generator(0), new AlignmentOptions { PaddingIndex = -1, OovInit = OovInit.Zeros });
        Assert.Equal(2, byIndex.PaddingIndex);
        Assert.Equal(1, byIndex.Report.Padding);
        var noPad = VocabularyAligner.Align(["<pad>"], pre, new Generator(0), new AlignmentOptions { PaddingToken = null });
        Assert.Equal([5f, 5f], noPad.Weights.ToArray());
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => VocabularyAligner.Align(["a", "b"], pre, new Generator(0), new AlignmentOptions { PaddingIndex = 2 }));
        Assert.Contains("PaddingIndex 2", e.Message, StringComparison.Ordinal);
        Assert.Contains("2 tokens", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_inputs_are_refused_before_anything_is_drawn()
    {
        var g = new Generator(9);
        var state = g.GetState();
        var pre = Pretrained();
        Assert.Throws<ArgumentException>(() => VocabularyAligner.Align(["a", null!], pre, g));
        Assert.Contains("1 counts for 2 tokens", Assert.Throws<ArgumentException>(() => VocabularyAligner.Align(["a", "b"], pre, g, null, [3L])).Message, StringComparison.Ordinal);
        var tiny = new WordVectors(["one"], FloatTensor.FromArray([1f], 1, 1));
        Assert.Contains("at least 2", Assert.Throws<ArgumentException>(() => VocabularyAligner.Align(["zz"], tiny, g)).Message, StringComparison.Ordinal);
        Assert.Equal(state, g.GetState());
        var zeros = VocabularyAligner.Align(["zz"], tiny, g, new AlignmentOptions { OovInit = OovInit.Zeros });
        Assert.Equal([0f], zeros.Weights.ToArray());
    }

    [Fact]
    public void Report_lists_frequent_missing_tokens_first_and_weights_coverage_by_count()
    {
        var counts = new Dictionary<string, long> { ["the"] = 100, ["dog"] = 30, ["cat"] = 50, ["zebra"] = 5, ["yak"] = 30, ["sat"] = 1 };
        var vocab = Vocabulary.FromCounts(counts); // <pad>, <unk>, the, cat, dog, yak, zebra, sat
        var result = VocabularyAligner.Align(vocab, Pretrained(), new Generator(0));
        var r = result.Report;
        Assert.Equal(3, r.Exact); // the, cat, sat
        Assert.Equal([("dog", 30L), ("yak", 30L), ("zebra", 5L), ("<unk>", 0L)], r.MostFrequentMissing);
        Assert.Equal(151.0 / 216.0, r.TokenCoverage!.Value, 12);
        Assert.Equal(3.0 / 7.0, r.TypeCoverage, 12);
        var text = r.Format(maxListed: 2);
        Assert.Contains("Most frequent missing: dog (30), yak (30), … (2 more)", text, StringComparison.Ordinal);
        Assert.Contains("token coverage 69.91%", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Report_text_is_culture_invariant()
    {
        var previous = CultureInfo.CurrentCulture;
        var french = (CultureInfo)CultureInfo.InvariantCulture.Clone();
        french.NumberFormat.NumberDecimalSeparator = ",";
        try
        {
            CultureInfo.CurrentCulture = french;
            var text = VocabularyAligner.Align(["the", "qq"], Pretrained(), new Generator(0)).Report.Format();
            Assert.Contains("Type coverage 50.00%", text, StringComparison.Ordinal);
            Assert.DoesNotContain("50,00", text, StringComparison.Ordinal);
        }
        finally
        {
            CultureInfo.CurrentCulture = previous;
        }
    }

    private static double HexDouble(string hex)
    {
        // Python float.hex(): [-]0x1.<13 hex digits>p<exp>
        var negative = hex.StartsWith('-');
        var body = hex.TrimStart('-')[2..];
        var p = body.IndexOf('p', StringComparison.Ordinal);
        var mantissa = body[..p].Split('.');
        var exponent = int.Parse(body[(p + 1)..], CultureInfo.InvariantCulture);
        var fraction = mantissa.Length > 1 ? mantissa[1].PadRight(13, '0') : "0000000000000";
        var bits = ((long)(exponent + 1023) << 52) | long.Parse(fraction, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        var value = BitConverter.Int64BitsToDouble(bits);
        return negative ? -value : value;
    }

    private sealed class FakeSubwords(int dimension) : IWordVectorProvider
    {
        public List<string> Asked { get; } = [];

        public int Dimension => dimension;

        public bool TryGetVector(string word, Span<float> destination)
        {
            Asked.Add(word);
            if (word.StartsWith('z'))
            {
                destination.Fill(99f); // a provider that writes and then declines: the row must still end up initialised
                return false;
            }

            destination.Fill(word.Length);
            return true;
        }
    }
}
