using System.Globalization;
using System.IO.Compression;
using System.Text;
using EmbedSharp.Numerics;
using EmbedSharp.Randomness;
using EmbedSharp.Tests.Numerics.Formats;
using EmbedSharp.Vectors;
using EmbedSharp.Vectors.Formats;
using EmbedSharp.Vectors.Formats.Glove;
using EmbedSharp.Vectors.Formats.Word2VecBinary;
using EmbedSharp.Vectors.Formats.Word2VecText;
using static EmbedSharp.Tests.Vectors.Formats.TextVecFixtures;

namespace EmbedSharp.Tests.Vectors.Formats;

public class TextVectorFormatTests
{
    private static WordVectors Sample(int count, int dim, ulong seed, bool specials = false)
    {
        var g = new Generator(seed);
        var t = new FloatTensor(count, dim);
        var u = new float[count * dim];
        Distributions.Normal(g, u, 0, 1);
        for (var i = 0; i < u.Length; i++)
        {
            t[i] = (i % 5) switch
            {
                0 => u[i],
                1 => u[i] * 1e-6f,
                2 => u[i] * 1e7f,
                3 => MathF.Round(u[i] * 100) / 100,
                _ => u[i] * 0.25f,
            };
        }

        if (specials && count > 0 && dim >= 4)
        {
            t[0] = -0.0f;
            t[1] = float.PositiveInfinity;
            t[2] = float.NegativeInfinity;
            t[3] = float.Epsilon;
        }

        var words = Enumerable.Range(0, count).Select(i => i % 9 == 0 ? $"wörd_{i}_日本" : $"w{i}").ToArray();
        return new WordVectors(words, t);
    }

    private static float[] Flat(WordVectors v)
    {
        var values = new float[v.Count * v.Dimension];
        for (var i = 0; i < v.Count; i++)
        {
            v.GetVector(i).CopyTo(values.AsSpan(i * v.Dimension));
        }

        return values;
    }

    private static byte[] Write(string format, WordVectors v, Word2VecBinaryWriteOptions? options = null)
    {
        using var ms = new MemoryStream();
        switch (format)
        {
            case "text": Word2VecTextFile.Write(ms, v); break;
            case "glove": GloveFile.Write(ms, v); break;
            default: Word2VecBinaryFile.Write(ms, v, options); break;
        }

        return ms.ToArray();
    }

    private static VectorReadResult Read(string format, Stream s, VectorReadOptions? options = null) => format switch
    {
        "text" => Word2VecTextFile.Read(s, options),
        "glove" => GloveFile.Read(s, options),
        _ => Word2VecBinaryFile.Read(s, options),
    };

    [Theory]
    [InlineData("text")]
    [InlineData("glove")]
    [InlineData("binary")]
    public void Written_vectors_read_back_bit_for_bit_from_a_file_and_a_forward_only_stream(string format)
    {
        var v = Sample(203, 7, 1, specials: true);
        var bytes = Write(format, v);
        AssertVectors(v.Words, Flat(v), Read(format, new MemoryStream(bytes)).Vectors);
        AssertVectors(v.Words, Flat(v), Read(format, new FormatFixtures.ForwardOnlyStream(bytes)).Vectors);
        var path = Path.Combine(Path.GetTempPath(), $"textvec_{format}_{Environment.ProcessId}.vec");
        try
        {
            switch (format)
            {
                case "text": Word2VecTextFile.Write(path, v); AssertVectors(v.Words, Flat(v), Word2VecTextFile.Read(path).Vectors); break;
                case "glove": GloveFile.Write(path, v); AssertVectors(v.Words, Flat(v), GloveFile.Read(path).Vectors); break;
                default: Word2VecBinaryFile.Write(path, v); AssertVectors(v.Words, Flat(v), Word2VecBinaryFile.Read(path).Vectors); break;
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("text")]
    [InlineData("glove")]
    public void Results_do_not_depend_on_block_size_or_thread_count(string format)
    {
        var v = Sample(500, 13, 2);
        var bytes = Write(format, v);
        foreach (var (block, threads) in new[] { (16, 1), (64, 2), (1000, 3), (4096, 4), (1 << 20, -1) })
        {
            var options = new VectorReadOptions { BlockSize = block, MaxDegreeOfParallelism = threads };
            AssertVectors(v.Words, Flat(v), Read(format, new MemoryStream(bytes), options).Vectors);
            AssertVectors(v.Words, Flat(v), Read(format, new FormatFixtures.ForwardOnlyStream(bytes), options).Vectors);
        }
    }

    [Theory]
    [InlineData("text")]
    [InlineData("glove")]
    public void The_error_reported_is_the_earliest_whatever_the_threads(string format)
    {
        var v = Sample(400, 5, 3);
        var text = Encoding.UTF8.GetString(Write(format, v)).Split('\n');
        var first = format == "text" ? 1 : 0; // header line
        text[first + 350] = "bad 1 2";
        text[first + 120] = "alsobad x y z w v";
        var bytes = Encoding.UTF8.GetBytes(string.Join('\n', text));
        foreach (var threads in new[] { 1, 2, 4 })
        {
            var e = Assert.Throws<VectorFormatException>(() =>
                Read(format, new MemoryStream(bytes), new VectorReadOptions { BlockSize = 64, MaxDegreeOfParallelism = threads }));
            Assert.Equal(first + 121, e.Line);
            Assert.Contains("'x'", e.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("text")]
    [InlineData("glove")]
    [InlineData("binary")]
    public void Limit_reads_only_the_first_entries(string format)
    {
        var v = Sample(50, 4, 4);
        var bytes = Write(format, v);
        foreach (var limit in new long[] { 0, 1, 17, 50, 1000 })
        {
            var options = new VectorReadOptions { Limit = limit, BlockSize = 32 };
            var r = Read(format, new MemoryStream(bytes), options);
            var n = (int)Math.Min(limit, 50);
            Assert.Equal(n, r.Vectors.Count);
            Assert.Equal(n, r.EntriesRead);
            AssertVectors(v.Words.Take(n).ToArray(), Flat(v)[..(n * 4)], r.Vectors);
            Assert.Equal(n, Read(format, new FormatFixtures.ForwardOnlyStream(bytes), options).Vectors.Count);
        }
    }

    [Fact]
    public void A_limit_stops_before_a_broken_tail_and_before_a_header_count_that_is_too_small()
    {
        var bytes = "2 2\na 1 2\nb 3 4\nc 5 6\nd oops\n"u8.ToArray();
        var r = Word2VecTextFile.Read(new MemoryStream(bytes), new VectorReadOptions { Limit = 2 });
        Assert.Equal(["a", "b"], r.Vectors.Words);
        Assert.Throws<VectorFormatException>(() => Word2VecTextFile.Read(new MemoryStream(bytes)));
    }

    [Fact]
    public void Gzip_files_are_detected_by_their_magic_bytes()
    {
        var v = Sample(30, 3, 5);
        var path = Path.Combine(Path.GetTempPath(), $"textvec_gz_{Environment.ProcessId}.bin");
        try
        {
            using (var file = File.Create(path))
            using (var gz = new GZipStream(file, CompressionLevel.Fastest))
            {
                gz.Write(Write("binary", v));
            }

            AssertVectors(v.Words, Flat(v), Word2VecBinaryFile.Read(path).Vectors);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Binary_files_with_and_without_a_newline_after_each_vector_read_the_same()
    {
        var v = Sample(40, 6, 6);
        var gensim = Write("binary", v);
        var c = Write("binary", v, new Word2VecBinaryWriteOptions { NewlineAfterVector = true });
        Assert.Equal(gensim.Length + 40, c.Length);
        AssertVectors(v.Words, Flat(v), Word2VecBinaryFile.Read(new MemoryStream(c)).Vectors);
    }

    [Fact]
    public void A_french_culture_changes_nothing()
    {
        var saved = CultureInfo.CurrentCulture;
        CultureInfo french;
        try
        {
            french = new CultureInfo("fr-FR");
        }
        catch (CultureNotFoundException)
        {
            // Invariant-globalization builds have no culture data: build the French number format by hand.
            french = (CultureInfo)CultureInfo.InvariantCulture.Clone();
            french.NumberFormat.NumberDecimalSeparator = ",";
            french.NumberFormat.NumberGroupSeparator = "\u202f";
        }

        try
        {
            CultureInfo.CurrentCulture = french;
            var r = Word2VecTextFile.Read(new MemoryStream("2 3\na 0.418 -1.5e-3 1000000\nb 3,5 1 2\n"u8.ToArray()), new VectorReadOptions { Limit = 1 });
            Assert.Equal([0.418f, -1.5e-3f, 1e6f], r.Vectors["a"].ToArray());
            Assert.Throws<VectorFormatException>(() => Word2VecTextFile.Read(new MemoryStream("1 2\nb 3,5 1\n"u8.ToArray())));
            var text = Encoding.UTF8.GetString(Write("text", r.Vectors));
            Assert.Equal("1 3\na 0.418 -0.0015 1000000.0\n", text);
        }
        finally
        {
            CultureInfo.CurrentCulture = saved;
        }
    }

    [Theory]
    [InlineData("text", "1000000000000 300\n")]
    [InlineData("text", "3 2147483648\n")]
    [InlineData("binary", "1000000000000 300\n")]
    [InlineData("binary", "3 2147483648\n")]
    public void A_header_claiming_huge_counts_is_refused_before_anything_is_allocated(string format, string header)
    {
        var bytes = Encoding.ASCII.GetBytes(header + "a 1 2 3\n");
        var path = Path.Combine(Path.GetTempPath(), $"textvec_huge_{format}_{Environment.ProcessId}.txt");
        File.WriteAllBytes(path, bytes);
        try
        {
            Func<VectorReadResult> read = format == "text" ? () => Word2VecTextFile.Read(path) : () => Word2VecBinaryFile.Read(path);
            Assert.Throws<VectorFormatException>(read); // warm up (JIT, statics)
            var before = GC.GetAllocatedBytesForCurrentThread();
            var e = Assert.Throws<VectorFormatException>(read);
            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.Contains("header claims", e.Message, StringComparison.Ordinal);
            Assert.True(allocated < 100_000, $"{allocated} bytes allocated before refusing the header.");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Writers_refuse_words_that_cannot_be_read_back_and_leave_an_existing_file_alone()
    {
        var t = new FloatTensor(2, 2);
        Assert.Throws<ArgumentException>(() => Write("text", new WordVectors(["a b", "c"], t)));
        Assert.Throws<ArgumentException>(() => Write("binary", new WordVectors(["a", "b\nc"], t)));
        Assert.Throws<ArgumentException>(() => Write("glove", new WordVectors(["", "c"], t)));
        Assert.Throws<ArgumentException>(() => Write("glove", new WordVectors(["a b", "c"], t)));
        var ok = Write("glove", new WordVectors(["a", "b c"], t)); // GloVe: spaces inside later words are fine
        Assert.Equal(["a", "b c"], GloveFile.Read(new MemoryStream(ok)).Vectors.Words);

        var path = Path.Combine(Path.GetTempPath(), $"textvec_keep_{Environment.ProcessId}.txt");
        File.WriteAllText(path, "old");
        try
        {
            Assert.Throws<ArgumentException>(() => Word2VecTextFile.Write(path, new WordVectors(["a b", "c"], t)));
            Assert.Equal("old", File.ReadAllText(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Progress_reports_the_bytes_consumed()
    {
        var bytes = Write("text", Sample(100, 4, 7));
        var reports = new List<long>();
        var progress = new SyncProgress(reports);
        Word2VecTextFile.Read(new MemoryStream(bytes), new VectorReadOptions { Progress = progress, BlockSize = 256, MaxDegreeOfParallelism = 2 });
        Assert.True(reports.Count > 2);
        Assert.Equal(bytes.Length, reports[^1]);
        Assert.Equal(reports.Order(), reports);
    }

    [Fact]
    public void Trailing_blank_lines_are_ignored_and_an_empty_file_of_zero_words_reads()
    {
        var r = GloveFile.Read(new MemoryStream("a 1 2\nb 3 4\n\n \r\n\n"u8.ToArray()));
        Assert.Equal(["a", "b"], r.Vectors.Words);
        var empty = Word2VecTextFile.Read(new MemoryStream("0 5\n"u8.ToArray()));
        Assert.Equal((0, 5), (empty.Vectors.Count, empty.Vectors.Dimension));
        var bin = Word2VecBinaryFile.Read(new MemoryStream("0 5\n"u8.ToArray()));
        Assert.Equal(0, bin.Vectors.Count);
    }

    [Fact]
    public void Bad_options_are_refused()
    {
        var s = new MemoryStream("1 1\na 1\n"u8.ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => Word2VecTextFile.Read(s, new VectorReadOptions { Limit = -1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => Word2VecTextFile.Read(s, new VectorReadOptions { MaxDegreeOfParallelism = 0 }));
    }

    private sealed class SyncProgress(List<long> reports) : IProgress<long>
    {
        public void Report(long value) => reports.Add(value);
    }
}
