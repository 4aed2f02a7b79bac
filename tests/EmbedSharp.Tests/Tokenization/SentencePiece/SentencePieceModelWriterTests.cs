using System.Text.Json;
using EmbedSharp.Tokenization.SentencePiece;

namespace EmbedSharp.Tests.Tokenization.SentencePiece;

/// <summary><see cref="SentencePieceModel.ToBytes"/> and <see cref="SentencePieceModel.Save"/> on the spm_train models
/// of tests/data/sentencepiece: what is written parses back to the same model, and spm_encode reads it as it reads the
/// original file.</summary>
public sealed class SentencePieceModelWriterTests
{
    private static readonly string[] ModelNames = ["unigram", "bpe", "unigram_bytes", "unigram_identity", "bpe_suffix"];

    public static TheoryData<string> Models => new(ModelNames);

    internal static void AssertSameModel(SentencePieceModel expected, SentencePieceModel actual)
    {
        Assert.Equal(expected.Pieces, actual.Pieces);
        Assert.Equal(expected.TrainerSpec, actual.TrainerSpec);
        AssertSameNormalizer(expected.NormalizerSpec, actual.NormalizerSpec);
        Assert.Equal(expected.DenormalizerSpec is null, actual.DenormalizerSpec is null);
        if (expected.DenormalizerSpec is { } denormalizer)
        {
            AssertSameNormalizer(denormalizer, actual.DenormalizerSpec!);
        }
    }

    private static void AssertSameNormalizer(SentencePieceNormalizerSpec expected, SentencePieceNormalizerSpec actual)
    {
        // The record's own equality compares the character map by reference; compare its bytes.
        Assert.Equal(expected with { PrecompiledCharsMap = default }, actual with { PrecompiledCharsMap = default });
        Assert.True(expected.PrecompiledCharsMap.Span.SequenceEqual(actual.PrecompiledCharsMap.Span), "the precompiled character maps differ");
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void A_written_model_parses_back_to_the_same_model(string name)
    {
        var original = SentencePieceModel.Parse(File.ReadAllBytes(SentencePieceParityTests.DataPath(name + ".model")));
        var bytes = original.ToBytes();
        var again = SentencePieceModel.Parse(bytes);
        AssertSameModel(original, again);
        Assert.Equal(bytes, again.ToBytes());
    }

    [Fact]
    public void A_model_built_in_memory_round_trips_with_every_spec_field()
    {
        var model = new SentencePieceModel(
            [new("<unk>", 0, SentencePieceType.Unknown), new("<pad>", 0, SentencePieceType.Control), new("▁a", -1.5f, SentencePieceType.Normal), new("<sep>", 0, SentencePieceType.UserDefined), new("x", -2.25f, SentencePieceType.Unused)],
            new SentencePieceTrainerSpec { Algorithm = SentencePieceAlgorithm.Bpe, VocabSize = 5, TreatWhitespaceAsSuffix = true, SplitDigits = true, BosId = -1, EosId = -1, PadId = 1, UnkSurface = "?" },
            new SentencePieceNormalizerSpec { Name = "custom", PrecompiledCharsMap = new byte[] { 1, 2, 3 }, AddDummyPrefix = false, RemoveExtraWhitespaces = false, EscapeWhitespaces = false },
            new SentencePieceNormalizerSpec { Name = "denorm" });
        AssertSameModel(model, SentencePieceModel.Parse(model.ToBytes()));
    }

    [Fact]
    public void A_model_needs_pieces()
    {
        var e = Assert.Throws<ArgumentException>(() => new SentencePieceModel([], new SentencePieceTrainerSpec(), new SentencePieceNormalizerSpec()));
        Assert.Contains("at least one piece", e.Message, StringComparison.Ordinal);
    }

    [SpmEncodeFact]
    public void Spm_encode_reads_a_saved_model_as_it_reads_the_original()
    {
        var golden = JsonDocument.Parse(File.ReadAllBytes(SentencePieceParityTests.DataPath("samples.json"))).RootElement;
        var dir = Directory.CreateTempSubdirectory("embedsharp-spm-writer-");
        try
        {
            foreach (var name in ModelNames)
            {
                var path = Path.Combine(dir.FullName, name + ".model");
                SentencePieceModel.Parse(File.ReadAllBytes(SentencePieceParityTests.DataPath(name + ".model"))).Save(path);
                var cases = golden.GetProperty("models").GetProperty(name).GetProperty("cases").EnumerateArray()
                    .Select(c => (Text: c.GetProperty("text").GetString()!, Ids: c.GetProperty("ids").EnumerateArray().Select(i => i.GetInt32()).ToArray()))
                    .Where(c => c.Text.Length > 0 && !c.Text.Contains('\n') && !c.Text.Contains('\r'))
                    .ToArray();
                var spm = SpmEncode.Ids(path, [.. cases.Select(c => c.Text)]);
                var ours = SentencePieceTokenizer.Load(path);
                for (var i = 0; i < cases.Length; i++)
                {
                    Assert.True(cases[i].Ids.SequenceEqual(spm[i]), $"{name}: spm_encode on the written model, text {JsonSerializer.Serialize(cases[i].Text)}");
                    Assert.Equal(spm[i], ours.EncodeToIds(cases[i].Text));
                }
            }
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
