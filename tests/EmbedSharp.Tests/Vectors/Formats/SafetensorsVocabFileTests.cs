using EmbedSharp.Numerics;
using EmbedSharp.Numerics.Formats;
using EmbedSharp.Numerics.Formats.Npy;
using EmbedSharp.Numerics.Formats.Safetensors;
using EmbedSharp.Vectors;
using EmbedSharp.Vectors.Formats;
using EmbedSharp.Vectors.Formats.SafetensorsVocab;

namespace EmbedSharp.Tests.Vectors.Formats;

public sealed class SafetensorsVocabFileTests : IDisposable
{
    private static readonly string[] Words = ["the", "Straße", "naïve", "東京", "😀", "a b", "Paris", "x"];
    private readonly string _dir = Directory.CreateTempSubdirectory("stvocab-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string PathOf(string name) => Path.Combine(_dir, name);

    private static string Data(string name) => Path.Combine(AppContext.BaseDirectory, "data", "native", name);

    [Fact]
    public void A_python_written_file_reads_and_writes_back_byte_identical()
    {
        using var wv = SafetensorsVocabFile.Read(Data("small.safetensors"));
        Assert.Equal(Words, wv.Words);
        FormatAssert.BitEqual(NpyFile.ReadTensor(Data("small.npy")), wv.Vectors);
        SafetensorsVocabFile.Write(PathOf("o.safetensors"), wv);
        Assert.Equal(File.ReadAllBytes(Data("small.safetensors")), File.ReadAllBytes(PathOf("o.safetensors")));
    }

    [Fact]
    public void Limit_duplicates_and_surrogates_follow_the_shared_policies()
    {
        var path = PathOf("d.safetensors");
        SafetensorsFile.Write(path, new Dictionary<string, FloatTensor> { ["vectors"] = FloatTensor.FromArray([0f, 1, 2, 3, 4], 5, 1) },
            new Dictionary<string, string> { ["vocab"] = "[\"a\",\"b\",\"a\",\"\\ud800x\",\"c\"]" });
        Assert.Contains("entry 3", Assert.Throws<TensorFormatException>(() => SafetensorsVocabFile.Read(path)).Message, StringComparison.Ordinal);
        using var skipped = SafetensorsVocabFile.Read(path, new SafetensorsVocabReadOptions { InvalidUtf8 = Utf8Policy.Skip }, out var report);
        Assert.Equal(["a", "b", "c"], skipped.Words);
        Assert.Equal([0f, 1f, 4f], skipped.Vectors.ToArray());
        Assert.Equal([new DuplicateWord("a", 2, 0, 3, -1)], report.Duplicates);
        Assert.Equal([3L], report.SkippedEntries);
        using var replaced = SafetensorsVocabFile.Read(path, new SafetensorsVocabReadOptions { InvalidUtf8 = Utf8Policy.Replace });
        Assert.Equal("\uFFFDx", replaced.Words[2]);
        using var limited = SafetensorsVocabFile.Read(path, new SafetensorsVocabReadOptions { Limit = 2 });
        Assert.Equal(["a", "b"], limited.Words);
    }

    [Fact]
    public void Missing_or_malformed_vocabularies_and_tensors_are_refused()
    {
        var matrix = FloatTensor.FromArray([1f, 2f], 2, 1);
        TensorFormatException Refused(Dictionary<string, FloatTensor> tensors, Dictionary<string, string> metadata, SafetensorsVocabReadOptions? options = null)
        {
            var path = PathOf(Guid.NewGuid().ToString("N") + ".safetensors");
            SafetensorsFile.Write(path, tensors, metadata);
            return Assert.Throws<TensorFormatException>(() => SafetensorsVocabFile.Read(path, options));
        }

        Assert.Contains("no 'vocab' key", Refused(new() { ["vectors"] = matrix }, new() { ["other"] = "x" }).Message, StringComparison.Ordinal);
        Assert.Contains("JSON array", Refused(new() { ["vectors"] = matrix }, new() { ["vocab"] = "{\"a\": 1}" }).Message, StringComparison.Ordinal);
        Assert.Contains("not valid JSON", Refused(new() { ["vectors"] = matrix }, new() { ["vocab"] = "a\nb" }).Message, StringComparison.Ordinal);
        Assert.Contains("3 words", Refused(new() { ["vectors"] = matrix }, new() { ["vocab"] = "[\"a\",\"b\",\"c\"]" }).Message, StringComparison.Ordinal);
        Assert.Contains("not a string", Refused(new() { ["vectors"] = matrix }, new() { ["vocab"] = "[\"a\",1]" }).Message, StringComparison.Ordinal);
        Assert.Contains("'emb', 'other'", Refused(new() { ["emb"] = matrix, ["other"] = matrix }, new() { ["vocab"] = "[\"a\",\"b\"]" }).Message, StringComparison.Ordinal);
        Assert.Contains("2-D", Refused(new() { ["vectors"] = new FloatTensor(2) }, new() { ["vocab"] = "[\"a\",\"b\"]" }).Message, StringComparison.Ordinal);
        Assert.Contains("'b' (row 1)", Refused(new() { ["vectors"] = FloatTensor.FromArray([1f, float.PositiveInfinity], 2, 1) }, new() { ["vocab"] = "[\"a\",\"b\"]" }).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Another_tensor_name_and_vocabulary_key_can_be_chosen()
    {
        var path = PathOf("n.safetensors");
        var wv = new WordVectors(["x", "y"], FloatTensor.FromArray([1f, 2f, 3f, 4f], 2, 2));
        SafetensorsVocabFile.Write(path, wv, new SafetensorsVocabWriteOptions { TensorName = "emb", VocabularyKey = "words" });
        using var back = SafetensorsVocabFile.Read(path, new SafetensorsVocabReadOptions { TensorName = "emb", VocabularyKey = "words" });
        Assert.Equal(["x", "y"], back.Words);
        Assert.Equal([3f, 4f], back["y"].ToArray());
    }
}
