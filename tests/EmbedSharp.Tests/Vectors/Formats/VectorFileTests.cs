using EmbedSharp.FastText;
using EmbedSharp.Vectors.Formats;

namespace EmbedSharp.Tests.Vectors.Formats;

public sealed class VectorFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("embedsharp-vectorfile-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Data(params string[] parts) => Path.Combine([AppContext.BaseDirectory, "data", .. parts]);

    [Theory]
    [InlineData("textvec/gensim_300x20.txt", VectorFormat.Word2VecText)]
    [InlineData("textvec/gensim_300x20.txt.gz", VectorFormat.Word2VecText)]
    [InlineData("textvec/fasttext_skipgram.vec", VectorFormat.Word2VecText)]
    [InlineData("textvec/gensim_300x20.bin", VectorFormat.Word2VecBinary)]
    [InlineData("textvec/gensim_300x20_glove.txt", VectorFormat.Glove)]
    [InlineData("fasttext/skipgram.bin", VectorFormat.FastTextBin)]
    [InlineData("native/small.esvec", VectorFormat.Native)]
    [InlineData("native/small.npy", VectorFormat.NpyVocab)]
    [InlineData("native/small.safetensors", VectorFormat.SafetensorsVocab)]
    public void Every_format_is_recognised_from_its_first_bytes(string file, VectorFormat expected)
    {
        var path = Data(file.Split('/'));
        Assert.Equal(expected, VectorFile.Detect(path));
        using var vectors = VectorFile.Read(path, options: new VectorReadOptions { Utf8 = Utf8Policy.Replace }); // the .bin has an invalid UTF-8 word
        Assert.True(vectors.Count > 0);
    }

    [Fact]
    public void The_same_vectors_come_back_through_every_writable_format()
    {
        using var source = VectorFile.Read(Data("textvec", "fasttext_skipgram.vec"));
        foreach (var format in Enum.GetValues<VectorFormat>().Where(f => f != VectorFormat.FastTextBin))
        {
            var path = Path.Combine(_dir, $"out.{format}" + (format == VectorFormat.NpyVocab ? ".npy" : ""));
            VectorFile.Write(path, source, format);
            Assert.Equal(format, VectorFile.Detect(path));
            using var back = VectorFile.Read(path);
            Assert.Equal(source.Words, back.Words);
            Assert.Equal(source.Vectors.ToArray(), back.Vectors.ToArray());
        }

        Assert.Throws<NotSupportedException>(() => VectorFile.Write(Path.Combine(_dir, "x.bin"), source, VectorFormat.FastTextBin));
    }

    [Fact]
    public void An_empty_file_is_named_in_the_error()
    {
        var path = Path.Combine(_dir, "empty.vec");
        File.WriteAllBytes(path, []);
        Assert.Contains(path, Assert.Throws<VectorFormatException>(() => VectorFile.Detect(path)).Message, StringComparison.Ordinal);
    }
}
