using System.Buffers.Binary;
using System.IO.Compression;
using EmbedSharp.FastText;
using EmbedSharp.Numerics;
using EmbedSharp.Numerics.Formats;
using EmbedSharp.Vectors.Formats;

namespace EmbedSharp.Tests.FastText;

/// <summary>Reading and writing fastText .bin files: layout offsets of scratch.bin (470 bytes): magic 0, version 4, args 8,
/// dictionary header 64 (size 64, nwords 68, nlabels 72, ntokens 76, pruneidx_size 84), entries 92, quant flag 164, input
/// matrix 165 (data 181), qout 373, output matrix 374 (data 390).</summary>
public sealed class FastTextBinFileTests
{
    private static byte[] Scratch() => FastTextFixtures.Bytes("scratch.bin");

    private static FastTextModel Read(byte[] bytes, FastTextBinReadOptions? options = null) =>
        FastTextBinFile.Read(new MemoryStream(bytes), options);

    private static TensorFormatException Bad(byte[] bytes, long offset, string fragment)
    {
        var e = Assert.Throws<TensorFormatException>(() => Read(bytes));
        Assert.Equal(offset, e.ByteOffset);
        Assert.Contains(fragment, e.Message, StringComparison.Ordinal);
        return e;
    }

    [Fact]
    public void Scratch_file_reads_with_its_args_entries_and_matrices()
    {
        var m = Read(Scratch());
        var s = FastTextFixtures.Scratch();
        Assert.Equal(s.Args, m.Args);
        Assert.Equal(s.Entries, m.Entries);
        Assert.Equal(27, m.TokenCount);
        Assert.Equal(s.Input.ToArray(), m.Input.ToArray());
        Assert.Equal(s.Output.ToArray(), m.Output.ToArray());
    }

    [Fact]
    public void Every_truncation_is_a_format_error_naming_an_offset()
    {
        var bytes = Scratch();
        for (var len = 0; len < bytes.Length; len++)
        {
            var e = Assert.Throws<TensorFormatException>(() => Read(bytes[..len]));
            Assert.InRange(e.ByteOffset, 0, len);
            Assert.Contains("byte offset", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Truncations_of_a_stream_of_unknown_length_fail_when_the_data_runs_out()
    {
        var bytes = Scratch();
        foreach (var len in new[] { 3, 40, 80, 100, 164, 170, 250, 373, 380, 469 })
        {
            Assert.Throws<TensorFormatException>(() => FastTextBinFile.Read(new NonSeekableStream(bytes[..len])));
        }

        Assert.Equal(5, FastTextBinFile.Read(new NonSeekableStream(bytes)).WordCount);

        // Claims cannot be checked in advance here, but they cost no more than the data that is present.
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(64), int.MaxValue);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(68), int.MaxValue);
        var before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Throws<TensorFormatException>(() => FastTextBinFile.Read(new NonSeekableStream(bytes)));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 16 << 20, "allocated for the claimed size");
        bytes = Scratch();
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(374), 1L << 40);
        before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Throws<TensorFormatException>(() => FastTextBinFile.Read(new NonSeekableStream(bytes)));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 16 << 20, "allocated for the claimed size");
    }

    [Fact]
    public void Wrong_magic_and_wrong_version_are_refused()
    {
        var b = Scratch();
        b[0] ^= 1;
        Bad(b, 0, "not a fastText model");
        b = Scratch();
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(4), 10);
        Bad(b, 4, "version 10");
        b = Scratch();
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(4), 13);
        Bad(b, 4, "versions 11 and 12");
    }

    [Fact]
    public void A_dictionary_claiming_two_billion_words_is_refused_before_allocating()
    {
        var b = Scratch();
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(64), int.MaxValue);
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(68), int.MaxValue);
        var before = GC.GetAllocatedBytesForCurrentThread();
        Bad(b, 92, "too short");
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20, "allocated before checking the length");
    }

    [Fact]
    public void Negative_or_inconsistent_dictionary_sizes_are_refused()
    {
        var b = Scratch();
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(64), -1);
        Bad(b, 64, "Invalid dictionary header");
        b = Scratch();
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(72), 1);
        Bad(b, 64, "size = nwords + nlabels");
        b = Scratch();
        BinaryPrimitives.WriteInt64LittleEndian(b.AsSpan(84), -2);
        Bad(b, 64, "pruneidx_size -2");
        b = Scratch();
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(8), 0);
        Bad(b, 8, "dim is 0");
        b = Scratch();
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(8 + (6 * 4)), 9);
        Bad(b, 8, "loss is 9");
    }

    [Fact]
    public void An_entry_type_out_of_order_is_refused_at_its_byte()
    {
        var b = Scratch();
        b[92 + 5 + 8] = 1; // entry 0 ("</s>") claims to be a label although nwords = 5
        Bad(b, 105, "has type 1");
        b[105] = 7;
        Bad(b, 105, "has type 7");
    }

    [Fact]
    public void Matrix_shapes_must_match_the_args_and_fit_in_the_file()
    {
        var b = Scratch();
        BinaryPrimitives.WriteInt64LittleEndian(b.AsSpan(165), 13);
        Bad(b, 165, "(13, 4)");
        b = Scratch();
        BinaryPrimitives.WriteInt64LittleEndian(b.AsSpan(173), 5);
        Bad(b, 165, "(12, 5)");
        b = Scratch();
        BinaryPrimitives.WriteInt64LittleEndian(b.AsSpan(374), -3);
        Bad(b, 374, "(-3, 4)");
        b = Scratch();
        BinaryPrimitives.WriteInt64LittleEndian(b.AsSpan(374), 1L << 40);
        var before = GC.GetAllocatedBytesForCurrentThread();
        Bad(b, 374, "too short");
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20, "allocated before checking the length");
        b = Scratch();
        BinaryPrimitives.WriteInt64LittleEndian(b.AsSpan(374), long.MaxValue);
        Bad(b, 374, "too short");
    }

    [Fact]
    public void Quantized_models_are_not_supported_and_flags_must_be_bools()
    {
        var b = Scratch();
        b[164] = 1;
        var e = Assert.Throws<NotSupportedException>(() => Read(b));
        Assert.Contains("quantized", e.Message, StringComparison.Ordinal);
        Assert.Contains("164", e.Message, StringComparison.Ordinal);
        b[164] = 2;
        Bad(b, 164, "is 2");
        b = Scratch();
        b[373] = 9;
        Bad(b, 373, "is 9");
    }

    [Fact]
    public void Non_finite_values_are_refused_unless_allowed()
    {
        var b = Scratch();
        BinaryPrimitives.WriteSingleLittleEndian(b.AsSpan(181 + 20), float.NaN);
        Bad(b, 201, "flat element 5");
        var m = Read(b, new FastTextBinReadOptions { AllowNonFinite = true });
        Assert.True(float.IsNaN(m.Input[5]));
        b = Scratch();
        BinaryPrimitives.WriteSingleLittleEndian(b.AsSpan(390 + 76), float.NegativeInfinity);
        Bad(b, 466, "output matrix");
    }

    [Fact]
    public void Trailing_bytes_are_refused()
    {
        Bad([.. Scratch(), 0], 470, "Trailing data");
    }

    [Fact]
    public void Gzip_compressed_models_read_like_plain_ones()
    {
        var plain = Scratch();
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true))
        {
            gz.Write(plain);
        }

        var compressed = ms.ToArray();
        var m = Read(compressed);
        Assert.Equal(Read(plain).Input.ToArray(), m.Input.ToArray());
        Assert.Throws<TensorFormatException>(() => Read(compressed[..(compressed.Length / 2)]));
    }

    [Fact]
    public void Path_reads_name_the_file_and_writes_are_atomic()
    {
        var dir = Directory.CreateTempSubdirectory("ft-");
        try
        {
            var path = Path.Combine(dir.FullName, "m.bin");
            FastTextFixtures.Scratch().Save(path);
            Assert.Equal(Scratch(), File.ReadAllBytes(path));
            Assert.Equal(5, FastTextModel.Load(path).WordCount);
            var bad = Path.Combine(dir.FullName, "bad.bin");
            File.WriteAllBytes(bad, Scratch()[..100]);
            var e = Assert.Throws<TensorFormatException>(() => FastTextBinFile.Read(bad));
            Assert.Equal(bad, e.FilePath);
            Assert.Contains(bad, e.Message, StringComparison.Ordinal);
            Assert.Single(Directory.GetFiles(dir.FullName, "m.bin*"));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Invalid_utf8_words_follow_the_chosen_policy()
    {
        var bytes = FastTextFixtures.Bytes("skipgram.bin");
        var e = Assert.Throws<TensorFormatException>(() => Read(bytes, new FastTextBinReadOptions { InvalidUtf8 = Utf8Policy.Strict }));
        Assert.Contains("not valid UTF-8", e.Message, StringComparison.Ordinal);
        var replace = Read(bytes);
        Assert.Equal(replace.WordCount, replace.ToWordVectors().Count);
        var skip = Read(bytes, new FastTextBinReadOptions { InvalidUtf8 = Utf8Policy.Skip });
        var wv = skip.ToWordVectors();
        Assert.Equal(skip.WordCount - 1, wv.Count);
        Assert.False(wv.Contains("caf\uFFFD"));
        Assert.Equal(10, skip.ToWordVectors(limit: 10).Count);
    }

    [Fact]
    public void Duplicate_words_in_a_file_are_reported_and_resolve_to_the_last_entry_like_fasttext()
    {
        var args = new FastTextOptions { Dim = 2, Ws = 5, Epoch = 5, MinCount = 1, Neg = 5, WordNgrams = 1, Loss = FastTextLoss.NegativeSampling, Model = FastTextModelKind.SkipGram, Bucket = 3, Minn = 3, Maxn = 3, LrUpdateRate = 100, T = 1e-4 };
        var input = FloatTensor.FromArray([1, 1, 2, 2, 3, 3, 0, 0, 0, 0, 0, 0], 6, 2);
        var model = new FastTextModel(args, [new("a", 3, FastTextEntryType.Word), new("b", 2, FastTextEntryType.Word), new("c", 1, FastTextEntryType.Word)], 6, input, new FloatTensor(3, 2));
        using var ms = new MemoryStream();
        FastTextBinFile.Write(ms, model);
        var bytes = ms.ToArray();
        var at = bytes.AsSpan().IndexOf("b\0"u8);
        bytes[at] = (byte)'a';
        var read = Read(bytes);
        Assert.Equal([1], read.DuplicateEntries);
        Assert.Equal(1, read.IndexOf("a"));
        var v = new float[2];
        read.GetWordVector("a", v); // row 1 plus the (zero) n-gram row of "<a>"
        Assert.Equal([1f, 1f], v);
        var wv = read.ToWordVectors();
        Assert.Equal(["a", "c"], wv.Words);
        Assert.Equal([1f, 1f], wv["a"].ToArray());
    }

    private sealed class NonSeekableStream(byte[] data) : Stream
    {
        private readonly MemoryStream _inner = new(data);

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, Math.Min(count, 7));

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
