using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using EmbedSharp.FastText;
using EmbedSharp.Numerics;
using EmbedSharp.Numerics.Formats;
using EmbedSharp.Vectors;
using EmbedSharp.Vectors.Formats;
using EmbedSharp.Vectors.Formats.Glove;
using EmbedSharp.Vectors.Formats.Native;
using EmbedSharp.Vectors.Formats.NpyVocab;
using EmbedSharp.Vectors.Formats.Word2VecBinary;
using EmbedSharp.Vectors.Formats.Word2VecText;
using C = EmbedSharp.Vectors.Formats.Native.NativeVectorsConstants;

namespace EmbedSharp.Tests.Vectors.Formats;

/// <summary>Issue 14: bad vector files fail with one clear error naming the file and where, in bounded memory and time.</summary>
public sealed class VectorBadInputTests : IDisposable
{
    private const string Cut = "3 4\nthe 0.1 0.2 0.3 0.4\nof 0.5 0.6 0.7 0.8\nand 0.9 1.0 1.1 1.";

    /// <summary>Allocation allowed for a tiny hostile file (the claims it makes are thousands of times larger).</summary>
    private const long AllocationBound = 64L << 20;

    private static readonly VectorReadOptions OneThread = new() { MaxDegreeOfParallelism = 1 };

    private readonly string _dir = Directory.CreateTempSubdirectory("embedsharp-vec-bad-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, byte[] bytes)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private string Write(string name, string text) => Write(name, Encoding.UTF8.GetBytes(text));

    private static byte[] Gzip(byte[] bytes)
    {
        using var memory = new MemoryStream();
        using (var gzip = new GZipStream(memory, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(bytes);
        }

        return memory.ToArray();
    }

    private static byte[] Gzip(string text) => Gzip(Encoding.UTF8.GetBytes(text));

    [Fact]
    public void A_text_file_cut_in_its_last_number_is_refused_naming_line_and_offset()
    {
        var path = Write("cut.vec", Cut);
        var e = Assert.Throws<VectorFormatException>(() => Word2VecTextFile.Read(path));
        Assert.Contains("cut off", e.Message, StringComparison.Ordinal);
        Assert.Equal(path, e.FilePath);
        Assert.Equal(4, e.Line);
        Assert.Equal(43, e.ByteOffset);

        var gz = Write("cut.vec.gz", Gzip(Cut));
        Assert.Equal(4, Assert.Throws<VectorFormatException>(() => VectorFile.Read(gz)).Line);

        var glove = Write("cut.txt", "the 0.1");
        e = Assert.Throws<VectorFormatException>(() => GloveFile.Read(glove));
        Assert.Contains("cut off", e.Message, StringComparison.Ordinal);
        Assert.Equal(1, e.Line);

        // Small blocks: the cut line is found whatever block it ends in.
        var small = new VectorReadOptions { BlockSize = 16, MaxDegreeOfParallelism = 2 };
        Assert.Equal(4, Assert.Throws<VectorFormatException>(() => Word2VecTextFile.Read(path, small)).Line);
    }

    [Fact]
    public void Complete_files_with_trailing_blank_lines_or_a_limit_before_the_cut_still_load()
    {
        var whole = Write("whole.vec", Cut + "5\n\n\n");
        Assert.Equal(3, Word2VecTextFile.Read(whole).Vectors.Count);
        Assert.Equal(1.5f, Word2VecTextFile.Read(whole).Vectors["and"][3]);
        var cut = Write("cut.vec", Cut);
        Assert.Equal(2, Word2VecTextFile.Read(cut, new VectorReadOptions { Limit = 2 }).Vectors.Count);
        var crlf = Write("crlf.txt", "a 1 2\r\nb 3 4\r\n");
        Assert.Equal(2, GloveFile.Read(crlf).Vectors.Count);
    }

    [Fact]
    public void A_word2vec_binary_file_cut_anywhere_is_refused_plain_or_gzip()
    {
        var vectors = new WordVectors(["the", "of", "and"], FloatTensor.FromArray([1f, 2f, 3f, 4f, 5f, 6f], 3, 2));
        using var memory = new MemoryStream();
        Word2VecBinaryFile.Write(memory, vectors);
        var good = memory.ToArray();
        var headerEnd = Array.IndexOf(good, (byte)'\n') + 1;
        for (var length = headerEnd; length < good.Length; length++)
        {
            var prefix = good[..length];
            var path = Write("cut.bin", prefix);
            var e = Assert.Throws<VectorFormatException>(() => Word2VecBinaryFile.Read(path));
            Assert.Equal(path, e.FilePath);
            var gz = Write("cut.bin.gz", Gzip(prefix));
            Assert.Throws<VectorFormatException>(() => Word2VecBinaryFile.Read(gz, OneThread));
        }

        Assert.Equal(3, Word2VecBinaryFile.Read(Write("good.bin.gz", Gzip(good))).Vectors.Count);
    }

    [Fact]
    public void Invalid_utf8_is_refused_by_default_naming_the_byte_and_counted_when_replaced()
    {
        var bytes = Encoding.UTF8.GetBytes("2 2\nab").Concat(new byte[] { 0xff }).Concat(Encoding.UTF8.GetBytes(" 1 2\nx 3 4\n")).ToArray();
        var path = Write("bad.vec", bytes);
        var e = Assert.Throws<VectorFormatException>(() => VectorFile.Read(path));
        Assert.Equal(2, e.Line);
        Assert.Equal(6, e.ByteOffset); // the 0xff itself
        Assert.Contains("--utf8 replace", e.Message, StringComparison.Ordinal);

        var replaced = VectorFile.Load(path, null, new VectorReadOptions { Utf8 = Utf8Policy.Replace });
        Assert.Equal(1, replaced.Replaced);
        Assert.Equal(0, replaced.Skipped);
        Assert.Equal("ab\uFFFD", replaced.Vectors.Words[0]);
        var skipped = VectorFile.Load(path, null, new VectorReadOptions { Utf8 = Utf8Policy.Skip });
        Assert.Equal((0, 1, 1), (skipped.Replaced, skipped.Skipped, skipped.Vectors.Count));

        var bin = Write("bad.bin", [.. Encoding.ASCII.GetBytes("1 1\nab"), 0xff, (byte)' ', 0, 0, 0x80, 0x3f]);
        Assert.Equal(1, Word2VecBinaryFile.Read(bin, new VectorReadOptions { Utf8 = Utf8Policy.Replace }).ReplacedWords);
        Assert.Contains("not valid UTF-8", Assert.Throws<VectorFormatException>(() => Word2VecBinaryFile.Read(bin)).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1000000000000 4\nthe 0.1 0.2 0.3 0.4\n", "claims 1000000000000 words but the file ends after 1")]
    [InlineData("2 16000000\nthe 0 0 0 0 0 0 0 0\n", "holds 8 numbers after the word; expected 16000000")]
    [InlineData("1 3\nthe ", "goes on past")] // followed by an endless line, below
    public void A_tiny_gzip_text_file_claiming_a_huge_table_fails_clearly_in_bounded_memory(string text, string expected)
    {
        var bytes = Encoding.ASCII.GetBytes(text);
        if (expected == "goes on past")
        {
            bytes = [.. bytes, .. Enumerable.Repeat((byte)'7', 20 << 20)];
        }

        var path = Write("claim.vec.gz", Gzip(bytes));
        var before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<VectorFormatException>(() => Word2VecTextFile.Read(path, OneThread));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.Equal(path, e.FilePath);
        Assert.True(allocated < AllocationBound, $"{allocated:N0} bytes allocated");
    }

    [Theory]
    [InlineData(1_000_000_000_000L, 4, "ends after 1 of the 1000000000000 entries")]
    [InlineData(2L, 16_000_000, "its vector needs 64000000 bytes but only 16 remain")]
    public void A_tiny_gzip_binary_file_claiming_a_huge_table_fails_clearly_in_bounded_memory(long words, int dimension, string expected)
    {
        var bytes = Encoding.ASCII.GetBytes(FormattableString.Invariant($"{words} {dimension}\nthe ")).Concat(new byte[16]).ToArray();
        bytes[^1] = 0x3f; // a control byte after the header: detected as binary
        var path = Write("claim.bin.gz", Gzip(bytes));
        Assert.Equal(VectorFormat.Word2VecBinary, VectorFile.Detect(path));
        var before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<VectorFormatException>(() => VectorFile.Read(path, null, OneThread));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.True(allocated < AllocationBound, $"{allocated:N0} bytes allocated");
    }

    [Fact]
    public void A_tiny_gzip_npy_claiming_a_huge_dimension_fails_clearly_in_bounded_memory()
    {
        var dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1073741824), }";
        var headerLength = ((10 + dict.Length + 1 + 63) / 64 * 64) - 10;
        var header = dict.PadRight(headerLength - 1) + "\n";
        byte[] npy = [0x93, .. "NUMPY"u8, 1, 0, (byte)(headerLength & 0xff), (byte)(headerLength >> 8), .. Encoding.ASCII.GetBytes(header), .. new byte[64]];
        var matrix = Write("m.npy.gz", Gzip(npy));
        var words = Write("m.words.txt", "the\n");
        var before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<TensorFormatException>(() => NpyVocabFile.Read(matrix, words));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(matrix, e.FilePath);
        Assert.True(allocated < AllocationBound, $"{allocated:N0} bytes allocated");
    }

    [Fact]
    public void A_word_list_with_an_endless_line_is_refused_naming_it()
    {
        var matrix = Path.Combine(_dir, "m.npy");
        EmbedSharp.Numerics.Formats.Npy.NpyFile.Write(matrix, new FloatTensor(1, 2));
        var words = Write("m.words.txt", new string('w', 100_000) + "\n");
        var e = Assert.Throws<TensorFormatException>(() => NpyVocabFile.Read(matrix, words));
        Assert.Contains("Line 1 is 100,000 bytes long", e.Message, StringComparison.Ordinal);
        Assert.Equal(words, e.FilePath);
    }

    [Fact]
    public async Task A_fifo_is_read_once_for_text_formats_and_refused_at_once_for_mapped_ones()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var fifo = Path.Combine(_dir, "in");
        using (var mk = Process.Start("mkfifo", fifo))
        {
            mk.WaitForExit();
        }

        var text = Cut + "5\n";
        var writer = Task.Run(() => File.WriteAllBytes(fifo, Gzip(text)));
        var loaded = VectorFile.Load(fifo);
        await writer.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal((VectorFormat.Word2VecText, 3), (loaded.Format, loaded.Vectors.Count));

        writer = Task.Run(() => File.WriteAllText(fifo, "a 1 2\nb 3 4\n"));
        Assert.Equal(2, GloveFile.Read(fifo).Vectors.Count);
        await writer.WaitAsync(TimeSpan.FromSeconds(30));

        var native = Path.Combine(_dir, "v.esvec");
        NativeVectorsFile.Write(native, Word2VecTextFile.Read(Write("ok.vec", text)).Vectors);
        var bytes = File.ReadAllBytes(native);
        writer = Task.Run(() =>
        {
            try
            {
                File.WriteAllBytes(fifo, bytes);
            }
            catch (IOException)
            {
                // the reader closed its end first
            }
        });
        var e = Assert.Throws<IOException>(() => VectorFile.Read(fifo));
        Assert.Contains("is a pipe or FIFO", e.Message, StringComparison.Ordinal);
        Assert.Contains(fifo, e.Message, StringComparison.Ordinal);
        await writer.WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public void A_device_that_never_ends_is_refused_at_once()
    {
        if (!File.Exists("/dev/zero"))
        {
            return;
        }

        var e = Assert.Throws<IOException>(() => VectorFile.Read("/dev/zero"));
        Assert.Contains("is a device", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_native_file_with_a_damaged_matrix_or_index_is_refused_at_open()
    {
        var path = Path.Combine(_dir, "v.esvec");
        NativeVectorsFile.Write(path, NativeVectorsFileTests.Sample(5, 3));
        var good = File.ReadAllBytes(path);
        var matrixOffset = BinaryPrimitives.ReadInt64LittleEndian(good.AsSpan(C.MatrixOffsetOffset));
        var indexOffset = BinaryPrimitives.ReadInt64LittleEndian(good.AsSpan(C.IndexOffsetOffset));

        var bytes = (byte[])good.Clone();
        BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan((int)matrixOffset + 16), float.NaN); // row 1, column 1
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<TensorFormatException>(() => NativeVectorsFile.Open(path));
        Assert.Contains("Row 1 ('Straße'), column 1 is NaN", e.Message, StringComparison.Ordinal);
        Assert.Equal(matrixOffset + 16, e.ByteOffset);
        using (var allowed = NativeVectorsFile.Open(path, new NativeVectorsReadOptions { AllowNonFinite = true }))
        {
            Assert.True(float.IsNaN(allowed.GetVector(1)[1]));
        }

        var slots = MemoryMarshalSlots(good, indexOffset);
        var used = slots.Select((v, i) => (v, i)).Where(s => s.v != 0).ToArray();
        bytes = (byte[])good.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan((int)indexOffset + (4 * used[1].i)), used[0].v);
        File.WriteAllBytes(path, bytes);
        Assert.Contains("which another slot already names", Assert.Throws<TensorFormatException>(() => NativeVectorsFile.Open(path)).Message, StringComparison.Ordinal);

        bytes = (byte[])good.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan((int)indexOffset + (4 * used[0].i)), 0);
        File.WriteAllBytes(path, bytes);
        Assert.Contains("holds 4 words but the header says 5", Assert.Throws<TensorFormatException>(() => NativeVectorsFile.Open(path)).Message, StringComparison.Ordinal);

        bytes = (byte[])good.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan((int)indexOffset + (4 * used[0].i)), 99);
        File.WriteAllBytes(path, bytes);
        Assert.Contains("beyond the 5 words", Assert.Throws<TensorFormatException>(() => NativeVectorsFile.Open(path)).Message, StringComparison.Ordinal);
    }

    private static uint[] MemoryMarshalSlots(byte[] file, long indexOffset)
    {
        var slots = new uint[(file.Length - indexOffset) / 4];
        for (var i = 0; i < slots.Length; i++)
        {
            slots[i] = BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan((int)indexOffset + (4 * i)));
        }

        return slots;
    }

    [Fact]
    public void Vectors_holding_infinity_are_refused_where_a_table_needs_finite_values()
    {
        var path = Write("inf.vec", "2 2\nthe 1 inf\nof 0.5 0.6\n");
        var vectors = VectorFile.Read(path);
        var e = Assert.Throws<VectorFormatException>(() => vectors.EnsureFinite(path, "aligning"));
        Assert.Contains("The vector of 'the' (row 0) holds Infinity at column 1; aligning needs finite values", e.Message, StringComparison.Ordinal);
        Assert.Equal(path, e.FilePath);
        VectorFile.Read(Write("ok.vec", "1 2\nthe 1 2\n")).EnsureFinite(path, "aligning");
    }

    [Fact]
    public void An_output_the_file_system_will_not_let_grow_is_one_io_error_naming_it()
    {
        var path = Path.Combine(_dir, "huge.esvec");
        var e = Assert.Throws<IOException>(() => AtomicFile.Write(path, stream => stream.SetLength(long.MaxValue)));
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("refused to let the file grow", e.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_dir));
    }
}
