using System.Globalization;
using System.IO.Compression;
using System.Text;
using EmbedSharp.Numerics;
using EmbedSharp.Numerics.Formats;
using EmbedSharp.Numerics.Formats.Npy;
using EmbedSharp.Vectors;
using EmbedSharp.Vectors.Formats;
using EmbedSharp.Vectors.Formats.NpyVocab;

namespace EmbedSharp.Tests.Vectors.Formats;

public sealed class NpyVocabFileTests : IDisposable
{
    private static readonly string[] Words = ["the", "Straße", "naïve", "東京", "😀", "a b", "Paris", "x"];
    private readonly string _dir = Directory.CreateTempSubdirectory("npyvocab-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string PathOf(string name) => Path.Combine(_dir, name);

    private static string Data(string name) => Path.Combine(AppContext.BaseDirectory, "data", "native", name);

    private static FloatTensor Expected() => NpyFile.ReadTensor(Data("small.npy"));

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Numpy_matrix_and_word_list_read_copied_or_mapped(bool map)
    {
        using var wv = NpyVocabFile.Read(Data("small.npy"), Data("small.words.txt"), new NpyVocabReadOptions { MemoryMap = map }, out var report);
        Assert.Equal(Words, wv.Words);
        Assert.Equal(map, wv.Vectors.IsExternal);
        FormatAssert.BitEqual(Expected(), wv.Vectors);
        Assert.True(report.IsClean);
        Assert.Equal(3, wv.IndexOf("東京"));
    }

    [Fact]
    public void Float64_matrices_CRLF_lines_and_a_missing_final_newline_are_accepted()
    {
        using var wv = NpyVocabFile.Read(Data("small_f8.npy"), Data("small_crlf.words.txt"));
        Assert.Equal(Words, wv.Words);
        FormatAssert.BitEqual(Expected(), wv.Vectors); // float32 → float64 → float32 is exact
        var e = Assert.Throws<TensorFormatException>(() => NpyVocabFile.Read(Data("small_f8.npy"), Data("small.words.txt"), new NpyVocabReadOptions { MemoryMap = true }));
        Assert.Contains("<f4", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Gzip_inputs_and_a_limit_are_read()
    {
        var npy = PathOf("m.npy.gz");
        var txt = PathOf("w.txt.gz");
        Gzip(File.ReadAllBytes(Data("small.npy")), npy);
        Gzip(File.ReadAllBytes(Data("small.words.txt")), txt);
        using var wv = NpyVocabFile.Read(npy, txt, new NpyVocabReadOptions { Limit = 3 });
        Assert.Equal(Words[..3], wv.Words);
        Assert.Equal(Expected().Row(2).ToArray(), wv.GetVector(2).ToArray());
        using var mapped = NpyVocabFile.Read(Data("small.npy"), Data("small.words.txt"), new NpyVocabReadOptions { Limit = 2, MemoryMap = true });
        Assert.Equal(2, mapped.Count);
        Assert.Throws<ArgumentException>(() => NpyVocabFile.Read(npy, txt, new NpyVocabReadOptions { MemoryMap = true }));
    }

    [Fact]
    public void Writing_gives_np_save_bytes_and_one_word_per_line()
    {
        using var source = NpyVocabFile.Read(Data("small.npy"), Data("small.words.txt"));
        NpyVocabFile.Write(PathOf("o.npy"), PathOf("o.txt"), source);
        Assert.Equal(File.ReadAllBytes(Data("small.npy")), File.ReadAllBytes(PathOf("o.npy")));
        Assert.Equal(File.ReadAllBytes(Data("small.words.txt")), File.ReadAllBytes(PathOf("o.txt")));
        var bad = new WordVectors(["ok", "two\nlines"], new FloatTensor(2, 1));
        Assert.Contains("Word 1", Assert.Throws<ArgumentException>(() => NpyVocabFile.Write(PathOf("b.npy"), PathOf("b.txt"), bad)).Message, StringComparison.Ordinal);
        Assert.False(File.Exists(PathOf("b.npy")));
    }

    [Fact]
    public void Duplicates_keep_the_first_row_and_are_reported_and_a_mapped_matrix_refuses_them()
    {
        var txt = PathOf("dup.txt");
        File.WriteAllText(txt, "the\nStraße\nthe\n東京\n😀\na b\nParis\nStraße\n", new UTF8Encoding(false));
        using var wv = NpyVocabFile.Read(Data("small.npy"), txt, null, out var report);
        Assert.Equal(["the", "Straße", "東京", "😀", "a b", "Paris"], wv.Words);
        Assert.Equal([new DuplicateWord("the", 2, 0, 3, -1), new DuplicateWord("Straße", 7, 1, 8, -1)], report.Duplicates);
        Assert.Equal(Expected().Row(3).ToArray(), wv["東京"].ToArray());
        Assert.Equal(Expected().Row(0).ToArray(), wv["the"].ToArray());
        var e = Assert.Throws<TensorFormatException>(() => NpyVocabFile.Read(Data("small.npy"), txt, new NpyVocabReadOptions { MemoryMap = true }));
        Assert.Contains("lines 1 and 3", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_utf8_follows_the_policy()
    {
        var txt = PathOf("bad.txt");
        var bytes = File.ReadAllBytes(Data("small.words.txt"));
        var at = Array.IndexOf(bytes, (byte)'P'); // line 7: "Paris" -> "Pa\xFFis"
        bytes[at + 2] = 0xFF;
        File.WriteAllBytes(txt, bytes);
        var e = Assert.Throws<TensorFormatException>(() => NpyVocabFile.Read(Data("small.npy"), txt));
        Assert.Contains("Line 7", e.Message, StringComparison.Ordinal);
        Assert.Equal(at + 2, e.ByteOffset);
        using (var replaced = NpyVocabFile.Read(Data("small.npy"), txt, new NpyVocabReadOptions { InvalidUtf8 = Utf8Policy.Replace }, out var r1))
        {
            Assert.Equal("Pa\uFFFDis", replaced.Words[6]);
            Assert.Equal(1, r1.ReplacedWords);
        }

        using var skipped = NpyVocabFile.Read(Data("small.npy"), txt, new NpyVocabReadOptions { InvalidUtf8 = Utf8Policy.Skip }, out var r2);
        Assert.Equal(7, skipped.Count);
        Assert.Equal([6L], r2.SkippedEntries);
        Assert.Equal(Expected().Row(7).ToArray(), skipped["x"].ToArray());
    }

    [Fact]
    public void Mismatched_counts_empty_lines_non_finite_values_and_bad_shapes_are_refused()
    {
        var shortList = PathOf("short.txt");
        File.WriteAllText(shortList, "a\nb\n");
        var e = Assert.Throws<TensorFormatException>(() => NpyVocabFile.Read(Data("small.npy"), shortList));
        Assert.Contains("8 rows", e.Message, StringComparison.Ordinal);
        Assert.Contains("2 lines", e.Message, StringComparison.Ordinal);

        var blank = PathOf("blank.txt");
        File.WriteAllText(blank, "the\n\nnaïve\n東京\n😀\na b\nParis\nx\n");
        Assert.Contains("Line 2 is empty", Assert.Throws<TensorFormatException>(() => NpyVocabFile.Read(Data("small.npy"), blank)).Message, StringComparison.Ordinal);

        var nan = PathOf("nan.npy");
        var t = Expected().Clone();
        t[5] = float.NaN;
        NpyFile.Write(nan, t);
        foreach (var map in new[] { false, true })
        {
            e = Assert.Throws<TensorFormatException>(() => NpyVocabFile.Read(nan, Data("small.words.txt"), new NpyVocabReadOptions { MemoryMap = map }));
            Assert.Contains("'Straße' (row 1)", e.Message, StringComparison.Ordinal);
            using var ok = NpyVocabFile.Read(nan, Data("small.words.txt"), new NpyVocabReadOptions { MemoryMap = map, AllowNonFinite = true });
            Assert.True(float.IsNaN(ok.GetVector(1)[1]));
        }

        var oneD = PathOf("1d.npy");
        NpyFile.Write(oneD, new FloatTensor(8));
        Assert.Contains("2-D", Assert.Throws<TensorFormatException>(() => NpyVocabFile.Read(oneD, Data("small.words.txt"))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_french_culture_changes_nothing()
    {
        var previous = CultureInfo.CurrentCulture;
        var french = (CultureInfo)CultureInfo.InvariantCulture.Clone();
        french.NumberFormat.NumberDecimalSeparator = ",";
        french.NumberFormat.NumberGroupSeparator = "\u202F";
        try
        {
            CultureInfo.CurrentCulture = french;
            using var wv = NpyVocabFile.Read(Data("small_f8.npy"), Data("small_crlf.words.txt"));
            FormatAssert.BitEqual(Expected(), wv.Vectors);
        }
        finally
        {
            CultureInfo.CurrentCulture = previous;
        }
    }

    private static void Gzip(byte[] bytes, string path)
    {
        using var file = File.Create(path);
        using var gz = new GZipStream(file, CompressionLevel.Fastest);
        gz.Write(bytes);
    }
}
