using EmbedSharp.FastText;
using EmbedSharp.Numerics.Formats;
using EmbedSharp.Numerics.Formats.Npy;
using EmbedSharp.Tokenization;
using EmbedSharp.Tokenization.SentencePiece;
using EmbedSharp.Vectors.Formats;

namespace EmbedSharp.Tests.Cli;

/// <summary>Every reader reports bad input through one base type, and the tool turns it into one line and exit 1.</summary>
[Collection("Console")]
public sealed class BadInputTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("embedsharp-bad-input-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Every_format_exception_is_a_FileFormatException_with_its_location()
    {
        var vectors = Write("bad.vec", "2 3\na 1 2 3\nb 1 2 zz\n");
        var vectorError = Assert.Throws<VectorFormatException>(() => VectorFile.Read(vectors));
        FileFormatException e = vectorError;
        Assert.Equal(vectors, e.FilePath);
        Assert.Equal(3, e.Line);

        var npy = Write("bad.npy", "not an npy file at all");
        e = Assert.Throws<TensorFormatException>(() => NpyFile.ReadTensor(npy));
        Assert.Equal(npy, e.FilePath);

        var model = Write("bad.model", "\u0001\u0002garbage");
        e = Assert.Throws<SentencePieceModelException>(() => SentencePieceTokenizer.Load(model));
        Assert.Equal(model, e.FilePath);

        var vocab = Write("vocab.txt", "a\nb\na\n");
        e = Assert.Throws<TokenizerFormatException>(() => Vocabulary.Load(vocab));
        Assert.Equal(vocab, e.FilePath);
        Assert.Equal(3, e.Line);   // the repeat
    }

    [Fact]
    public void A_corrupt_sentencepiece_model_ends_in_one_line_and_exit_1_not_a_stack_trace()
    {
        var model = Write("broken.model", "\u0012\u00ff\u00ff\u00ffnot a model");
        var (code, _, err) = CliRunner.Invoke("hello\n", "tokenize", "--model", model, "--type", "sentencepiece", "--ids");
        Assert.Equal(1, code);
        Assert.Single(err.Trim().Split('\n'));
        Assert.Contains(model, err, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", err, StringComparison.Ordinal);
    }

    private string Write(string name, string content)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, content);
        return path;
    }
}
