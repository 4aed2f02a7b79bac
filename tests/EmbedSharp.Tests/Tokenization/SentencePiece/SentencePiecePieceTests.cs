using System.Text;
using System.Text.Json;
using EmbedSharp.Randomness;
using EmbedSharp.Tokenization.SentencePiece;

namespace EmbedSharp.Tests.Tokenization.SentencePiece;

/// <summary>
/// Piece strings, the denormaliser and BPE-dropout against SentencePiece 0.1.97's binaries
/// (tools/goldens/make_sentencepiece_pieces.py): the lines <c>spm_encode --output_format=piece/id/nbest_piece</c>
/// prints for multilingual and random-character text, <c>spm_decode</c> with a denormalisation rule file, and the
/// frequencies of <c>--output_format=sample_piece</c> segmentations.
/// </summary>
public sealed class SentencePiecePieceTests
{
    private static readonly Lazy<JsonElement> Pieces = new(() => Load("pieces.json"));
    private static readonly Lazy<JsonElement> Denorm = new(() => Load("denorm.json"));
    private static readonly Lazy<JsonElement> Dropout = new(() => Load("dropout.json"));

    public static TheoryData<string> Models => new(["unigram", "bpe", "unigram_bytes", "unigram_identity", "bpe_suffix"]);

    public static TheoryData<string> UnigramModels => new(["unigram", "unigram_bytes", "unigram_identity"]);

    private static JsonElement Load(string file) => JsonDocument.Parse(File.ReadAllBytes(SentencePieceParityTests.DataPath(file))).RootElement;

    private static string[] Strings(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString()!)];

    private static string Line(IEnumerable<object> items) => string.Join(' ', items);

    [Theory]
    [MemberData(nameof(Models))]
    public void Tokens_are_the_piece_strings_spm_encode_prints(string model)
    {
        var tokenizer = SentencePieceParityTests.Open(model);
        var texts = Strings(Pieces.Value.GetProperty("texts"));
        var golden = Pieces.Value.GetProperty("models").GetProperty(model);
        var pieces = Strings(golden.GetProperty("pieces"));
        var ids = Strings(golden.GetProperty("ids"));
        var unknownRuns = 0;
        for (var i = 0; i < texts.Length; i++)
        {
            var encoding = tokenizer.Encode(texts[i]);
            Assert.True(pieces[i] == Line(encoding.Tokens), $"{model}, line {i} {JsonSerializer.Serialize(texts[i])}:\n expected {pieces[i]}\n actual   {Line(encoding.Tokens)}");
            Assert.Equal(ids[i], Line(encoding.Ids.Cast<object>()));
            var fromBytes = tokenizer.Encode(Encoding.UTF8.GetBytes(texts[i]));
            Assert.Equal(encoding.Tokens, fromBytes.Tokens);
            Assert.Equal(encoding.Ids, fromBytes.Ids);
            unknownRuns += encoding.Ids.Count(id => id == tokenizer.UnkId);
        }

        // The sample must exercise unknown text where the model has no byte fallback.
        Assert.True(tokenizer.Model.TrainerSpec.ByteFallback || unknownRuns > 100, $"{model}: only {unknownRuns} unknown tokens");
    }

    [Theory]
    [MemberData(nameof(UnigramModels))]
    public void NBest_tokens_are_the_piece_strings_spm_encode_prints(string model)
    {
        var tokenizer = SentencePieceParityTests.Open(model);
        var texts = Strings(Pieces.Value.GetProperty("nbest_texts"));
        var size = Pieces.Value.GetProperty("nbest_size").GetInt32();
        var golden = Pieces.Value.GetProperty("models").GetProperty(model);
        var expectedPieces = Strings(golden.GetProperty("nbest_piece"));
        var expectedIds = Strings(golden.GetProperty("nbest_id"));
        var actualPieces = new List<string>();
        var actualIds = new List<string>();
        foreach (var text in texts)
        {
            foreach (var encoding in tokenizer.EncodeNBest(text, size))
            {
                actualPieces.Add(Line(encoding.Tokens));
                actualIds.Add(Line(encoding.Ids.Cast<object>()));
            }

            Assert.Equal(
                tokenizer.EncodeNBest(text, size).Select(e => Line(e.Tokens)),
                tokenizer.EncodeNBest(Encoding.UTF8.GetBytes(text), size).Select(e => Line(e.Tokens)));
        }

        Assert.Equal(expectedIds, actualIds);
        Assert.Equal(expectedPieces, actualPieces);
    }

    [Theory]
    [InlineData("unigram")]
    [InlineData("bpe")]
    [InlineData("unigram_identity")]
    public void Without_byte_fallback_the_tokens_of_a_sample_spell_the_normalised_text(string model)
    {
        // spm sets an unknown token's piece to the normalised text it covers, so every segmentation, sampled or not,
        // concatenates back to the normalised text.
        var tokenizer = SentencePieceParityTests.Open(model);
        foreach (var text in Strings(Pieces.Value.GetProperty("texts")).Take(60))
        {
            var normalized = tokenizer.Normalize(text);
            for (var seed = 0; seed < 3; seed++)
            {
                var sample = tokenizer.EncodeSample(text, 0.5f, new Generator(seed));
                Assert.Equal(normalized, string.Concat(sample.Tokens));
                Assert.Equal(sample.Ids.Select(tokenizer.IdToToken).Where((_, i) => sample.Ids[i] != tokenizer.UnkId), sample.Tokens.Where((_, i) => sample.Ids[i] != tokenizer.UnkId));
            }
        }
    }

    [Fact]
    public void An_unknown_run_is_one_token_spelled_as_the_normalised_text()
    {
        var tokenizer = SentencePieceParityTests.Open("unigram");
        var encoding = tokenizer.Encode("a 日本語 b");
        var unk = Assert.Single(encoding.Ids, id => id == tokenizer.UnkId);
        Assert.Equal("日本語", encoding.Tokens[Array.IndexOf(encoding.Ids, unk)]);
        Assert.Equal("<unk>", tokenizer.IdToToken(unk));
    }

    [Fact]
    public void Decode_applies_the_denormaliser_as_spm_decode()
    {
        var tokenizer = SentencePieceTokenizer.Load(SentencePieceParityTests.DataPath("denorm.model"));
        Assert.NotNull(tokenizer.Model.DenormalizerSpec);
        var changed = 0;
        foreach (var c in Denorm.Value.GetProperty("cases").EnumerateArray())
        {
            var text = c.GetProperty("text").GetString()!;
            var ids = c.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            Assert.Equal(ids, tokenizer.Encode(text).Ids);
            var expected = c.GetProperty("decoded").GetString()!;
            Assert.Equal(expected, tokenizer.Decode(ids));
            changed += expected.Any(ch => ch is '…' or '’' or '©' or '—') ? 1 : 0;
        }

        Assert.True(changed >= 4, $"only {changed} decodes were changed by the rules");
    }

    [Fact]
    public void A_model_without_a_denormaliser_decodes_as_before()
    {
        var tokenizer = SentencePieceParityTests.Open("unigram");
        Assert.Null(tokenizer.Model.DenormalizerSpec);
        Assert.Equal("It's... ok -- yes", tokenizer.Decode(tokenizer.Encode("It's... ok -- yes").Ids));
    }

    [Theory]
    [InlineData("bpe")]
    [InlineData("bpe_suffix")]
    public void Bpe_dropout_with_alpha_zero_is_encode_and_with_alpha_one_merges_nothing(string model)
    {
        var tokenizer = SentencePieceParityTests.Open(model);
        var generator = new Generator(5);
        foreach (var text in Strings(Pieces.Value.GetProperty("texts")).Take(40))
        {
            Assert.Equal(tokenizer.Encode(text).Ids, tokenizer.EncodeSample(text, 0f, generator).Ids);
            var none = tokenizer.EncodeSample(text, 1f, generator);
            for (var i = 0; i < none.Count; i++)
            {
                var id = none.Ids[i];
                var type = tokenizer.PieceType(id);
                var piece = none.Tokens[i];
                Assert.True(
                    type is SentencePieceType.Byte or SentencePieceType.UserDefined || id == tokenizer.UnkId
                    || piece.EnumerateRunes().Count() == 1,
                    $"{model}: '{piece}' (id {id}) is a merged piece in {JsonSerializer.Serialize(text)}");
            }

            Assert.Equal(tokenizer.Decode(tokenizer.Encode(text).Ids), tokenizer.Decode(none.Ids));
        }
    }

    [Fact]
    public void Bpe_dropout_is_reproducible_from_the_generator()
    {
        var tokenizer = SentencePieceParityTests.Open("bpe");
        const string Text = "The appropriations for the international Congress";
        var seen = new HashSet<string>();
        for (var seed = 0; seed < 20; seed++)
        {
            var sample = tokenizer.EncodeSample(Text, 0.3f, new Generator(seed));
            Assert.Equal(sample.Ids, tokenizer.EncodeSample(Text, 0.3f, new Generator(seed)).Ids);
            Assert.Equal(Text, tokenizer.Decode(sample.Ids));
            seen.Add(Line(sample.Ids.Cast<object>()));
        }

        Assert.True(seen.Count > 10, $"only {seen.Count} distinct segmentations in 20 draws");
    }

    /// <summary>
    /// spm's random stream cannot be replayed, so the distribution is compared: for each word and alpha, the counts of
    /// each segmentation in 4,000 of spm_encode's samples and 4,000 of ours are tested for homogeneity (Pearson's
    /// chi-square on a 2×k table, segmentations seen fewer than 20 times in both pooled into one cell), at a 10⁻⁴
    /// significance level (Wilson–Hilferty quantile). Our draws come from a fixed seed, so the test is deterministic.
    /// </summary>
    [Fact]
    public void Bpe_dropout_draws_segmentations_as_often_as_spm_encode()
    {
        var tokenizer = SentencePieceParityTests.Open("bpe");
        var samples = Dropout.Value.GetProperty("samples").GetInt32();
        var report = new StringBuilder();
        var failed = false;
        foreach (var alpha in Dropout.Value.GetProperty("alphas").EnumerateObject())
        {
            var a = float.Parse(alpha.Name, System.Globalization.CultureInfo.InvariantCulture);
            foreach (var word in alpha.Value.EnumerateObject())
            {
                var reference = word.Value.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32());
                var ours = new Dictionary<string, int>();
                var generator = new Generator(1234);
                for (var i = 0; i < samples; i++)
                {
                    var key = Line(tokenizer.EncodeSample(word.Name, a, generator).Tokens);
                    ours[key] = ours.GetValueOrDefault(key) + 1;
                }

                var (chi2, df) = ChiSquare(reference, ours, samples);
                var critical = ChiSquareQuantile(df, 3.719);   // z for a 10⁻⁴ upper tail
                report.AppendLine(System.FormattableString.Invariant($"alpha {a} '{word.Name}': chi2 {chi2:F1}, df {df}, critical {critical:F1}; top: spm {reference.MaxBy(p => p.Value).Key} {reference.Values.Max()}, ours {ours.GetValueOrDefault(reference.MaxBy(p => p.Value).Key)}"));
                failed |= chi2 > critical;
            }
        }

        Assert.False(failed, report.ToString());
    }

    private static (double Chi2, int Df) ChiSquare(Dictionary<string, int> a, Dictionary<string, int> b, int n)
    {
        var cells = new List<(double A, double B)>();
        double restA = 0, restB = 0;
        foreach (var key in a.Keys.Union(b.Keys))
        {
            var (x, y) = (a.GetValueOrDefault(key), b.GetValueOrDefault(key));
            if (x + y < 20)
            {
                (restA, restB) = (restA + x, restB + y);
            }
            else
            {
                cells.Add((x, y));
            }
        }

        if (restA + restB > 0)
        {
            cells.Add((restA, restB));
        }

        var chi2 = 0.0;
        foreach (var (x, y) in cells)
        {
            var expected = (x + y) / 2;   // both rows hold n samples
            chi2 += ((x - expected) * (x - expected) / expected) + ((y - expected) * (y - expected) / expected);
        }

        Assert.Equal(n, (int)cells.Sum(c => c.A));
        return (chi2, Math.Max(1, cells.Count - 1));
    }

    private static double ChiSquareQuantile(int df, double z)
    {
        var k = (double)df;
        var t = 1 - (2 / (9 * k)) + (z * Math.Sqrt(2 / (9 * k)));
        return k * t * t * t;
    }
}
