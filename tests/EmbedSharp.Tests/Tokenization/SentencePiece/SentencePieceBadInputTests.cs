using EmbedSharp.Randomness;
using EmbedSharp.Tokenization.SentencePiece;
using Google.Protobuf;

namespace EmbedSharp.Tests.Tokenization.SentencePiece;

public sealed class SentencePieceBadInputTests
{
    private static readonly string[] Probe = ["Hello world", "Ｆｕｌｌ ｗｉｄｔｈ 日本 😀", "\u0001\t  x  ", ""];

    /// <summary>A model written field by field: pieces (piece, score, type), then trainer and normalizer fields.</summary>
    private static byte[] Model((string Piece, float Score, int Type)[] pieces, int modelType = 1, bool byteFallback = false, int? bosId = null)
    {
        using var stream = new MemoryStream();
        var output = new CodedOutputStream(stream);
        foreach (var (piece, score, type) in pieces)
        {
            using var inner = new MemoryStream();
            var p = new CodedOutputStream(inner);
            p.WriteTag(1, WireFormat.WireType.LengthDelimited);
            p.WriteString(piece);
            p.WriteTag(2, WireFormat.WireType.Fixed32);
            p.WriteFloat(score);
            p.WriteTag(3, WireFormat.WireType.Varint);
            p.WriteEnum(type);
            p.Flush();
            output.WriteTag(1, WireFormat.WireType.LengthDelimited);
            output.WriteBytes(ByteString.CopyFrom(inner.ToArray()));
        }

        using (var inner = new MemoryStream())
        {
            var t = new CodedOutputStream(inner);
            t.WriteTag(3, WireFormat.WireType.Varint);
            t.WriteEnum(modelType);
            t.WriteTag(35, WireFormat.WireType.Varint);
            t.WriteBool(byteFallback);
            if (bosId is { } bos)
            {
                t.WriteTag(41, WireFormat.WireType.Varint);
                t.WriteInt32(bos);
            }

            t.WriteTag(999, WireFormat.WireType.LengthDelimited);   // an unknown field is skipped
            t.WriteString("future option");
            t.Flush();
            output.WriteTag(2, WireFormat.WireType.LengthDelimited);
            output.WriteBytes(ByteString.CopyFrom(inner.ToArray()));
        }

        output.Flush();
        return stream.ToArray();
    }

    private static readonly (string, float, int)[] Tiny =
        [("<unk>", 0, 2), ("<s>", 0, 3), ("</s>", 0, 3), ("▁", -1, 1), ("a", -2, 1), ("b", -2, 1), ("▁ab", -1, 1), ("ab", -1.5f, 1)];

    private static IEnumerable<(string, float, int)> BytePieces => Enumerable.Range(0, 256).Select(b => (FormattableString.Invariant($"<0x{b:X2}>"), 0f, 6));

    [Fact]
    public void A_hand_written_model_with_an_unknown_field_loads_and_encodes()
    {
        var t = SentencePieceTokenizer.FromBytes(Model(Tiny), "tiny.model");
        Assert.Equal([6, 4, 0], t.EncodeToIds("abac"));   // ▁ab a <unk>
        var bpe = SentencePieceTokenizer.FromBytes(Model(Tiny, modelType: 2), "tiny.model");
        Assert.Equal([6, 4, 0], bpe.EncodeToIds("abac"));
    }

    [Theory]
    [InlineData("no unknown piece", "unknown piece")]
    [InlineData("duplicate piece", "already defined")]
    [InlineData("empty piece", "is empty")]
    [InlineData("byte piece without byte fallback", "byte_fallback is off")]
    [InlineData("byte fallback without byte pieces", "is missing")]
    [InlineData("word model", "not supported")]
    [InlineData("infinite score", "scores must be finite")]
    [InlineData("NaN score", "scores must be finite")]
    [InlineData("two pieces for one byte", "second piece for the byte 0x0A")]
    [InlineData("byte type on a normal piece", "is not a byte piece")]
    [InlineData("bos id past the end", "bos_id is 8, but the model has pieces 0..7")]
    [InlineData("bos id below -1", "bos_id is -2")]
    public void Inconsistent_models_are_rejected_with_the_file_name(string kind, string message)
    {
        var bytes = kind switch
        {
            "no unknown piece" => Model([.. Tiny.Skip(1)]),
            "duplicate piece" => Model([.. Tiny, ("a", -3, 1)]),
            "empty piece" => Model([.. Tiny, ("", -3, 1)]),
            "byte piece without byte fallback" => Model([.. Tiny, ("<0x41>", 0, 6)]),
            "byte fallback without byte pieces" => Model(Tiny, byteFallback: true),
            "infinite score" => Model([.. Tiny, ("c", float.NegativeInfinity, 1)]),
            "NaN score" => Model([.. Tiny, ("c", float.NaN, 1)]),
            "two pieces for one byte" => Model([.. Tiny, .. BytePieces, ("<0x0a>", 0, 6)], byteFallback: true),
            "byte type on a normal piece" => Model([.. Tiny, .. BytePieces, ("c", 0, 6)], byteFallback: true),
            "bos id past the end" => Model(Tiny, bosId: 8),
            "bos id below -1" => Model(Tiny, bosId: -2),
            _ => Model(Tiny, modelType: 3),
        };
        var e = Assert.Throws<SentencePieceModelException>(() => SentencePieceTokenizer.FromBytes(bytes, "bad.model"));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        Assert.Contains("'bad.model'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_truncated_model_names_the_file_and_byte_offset()
    {
        var path = SentencePieceParityTests.DataPath("unigram.model");
        var bytes = File.ReadAllBytes(path)[..1000];
        var e = Assert.Throws<SentencePieceModelException>(() => SentencePieceTokenizer.FromBytes(bytes, path));
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.True(e.ByteOffset is > 0 and <= 1000, $"offset {e.ByteOffset}");
        Assert.Contains("byte offset", e.Message, StringComparison.Ordinal);
        Assert.Throws<SentencePieceModelException>(() => SentencePieceTokenizer.FromBytes([]));
        Assert.Throws<FileNotFoundException>(() => SentencePieceTokenizer.Load(path + ".missing"));
    }

    /// <summary>Either a typed exception or a model that encodes and decodes the probe texts: never a crash or a hang.</summary>
    private static void LoadOrReject(byte[] bytes)
    {
        SentencePieceTokenizer t;
        try
        {
            t = SentencePieceTokenizer.FromBytes(bytes, "fuzz.model");
        }
        catch (SentencePieceModelException)
        {
            return;
        }

        foreach (var text in Probe)
        {
            var e = t.Encode(text);
            Assert.All(e.Ids, id => Assert.InRange(id, 0, t.VocabSize - 1));
            t.Decode(e.Ids);
        }
    }

    [Fact]
    public void Truncated_flipped_and_random_models_give_the_exception_or_a_working_model()
    {
        var generator = new Generator(7);
        var real = File.ReadAllBytes(SentencePieceParityTests.DataPath("unigram_identity.model"));
        for (var i = 0; i < 40; i++)
        {
            LoadOrReject(real[..(int)(generator.Random() % real.Length)]);
        }

        // Most flips of the real model still load (they hit a score or a letter), and a load builds the 4000-piece
        // trie, so the bulk of the flips go to a small hand-written model of every piece type.
        var tiny = Model([.. Tiny, ("<sep>", 0, 4), ("x", 0, 5)]);
        for (var i = 0; i < 300; i++)
        {
            var source = i < 20 ? real : tiny;
            var bytes = (byte[])source.Clone();
            for (var k = 0; k < 1 + (i % 4); k++)
            {
                bytes[generator.Random() % bytes.Length] = (byte)generator.Random();
            }

            LoadOrReject(bytes);
        }

        for (var i = 0; i < 100; i++)
        {
            var bytes = new byte[generator.Random() % 300];
            for (var k = 0; k < bytes.Length; k++)
            {
                bytes[k] = (byte)generator.Random();
            }

            LoadOrReject(bytes);
        }
    }

    [Fact]
    public void A_corrupt_character_map_gives_the_exception_or_a_working_map()
    {
        var generator = new Generator(11);
        var model = SentencePieceModel.Parse(File.ReadAllBytes(SentencePieceParityTests.DataPath("unigram.model")));
        var blob = model.NormalizerSpec.PrecompiledCharsMap.ToArray();
        var probe = System.Text.Encoding.UTF8.GetBytes(string.Concat(Probe) + "ﬁ①²½Ⅻ\u3000\u00a0\0x");
        Assert.NotNull(PrecompiledCharsMap.Open(blob, null));
        var rejected = 0;
        for (var i = 0; i < 30; i++)
        {
            var bytes = (byte[])blob.Clone();
            if (i % 5 == 0)
            {
                bytes = bytes[..(int)(generator.Random() % bytes.Length)];
            }
            else
            {
                for (var k = 0; k < 1 + (i % 8); k++)
                {
                    bytes[generator.Random() % bytes.Length] = (byte)generator.Random();
                }
            }

            PrecompiledCharsMap? map;
            try
            {
                map = PrecompiledCharsMap.Open(bytes, "fuzz.model");
            }
            catch (SentencePieceModelException)
            {
                rejected++;
                continue;
            }

            for (var p = 0; p < probe.Length; p++)
            {
                map?.Match(probe.AsSpan(p), out _);
            }
        }

        Assert.InRange(rejected, 1, 30);
    }

    /// <summary>The real models, each truncated at many offsets and with bits flipped: every case ends within a
    /// generous bound in a model that encodes the probes, or in SentencePieceModelException; never another exception.</summary>
    [Theory]
    [InlineData("unigram.model")]
    [InlineData("unigram_bytes.model")]
    [InlineData("unigram_identity.model")]
    [InlineData("bpe.model")]
    [InlineData("bpe_suffix.model")]
    public async Task Every_real_model_truncated_or_bit_flipped_loads_and_works_or_is_refused(string name)
    {
        var real = File.ReadAllBytes(SentencePieceParityTests.DataPath(name));
        var generator = new Generator(1400 + (ulong)name.Length);
        var refused = 0;
        for (var i = 0; i < 24; i++)
        {
            byte[] bytes;
            if (i < 10)
            {
                bytes = real[..(int)(generator.Random() % (ulong)real.Length)];
            }
            else
            {
                bytes = (byte[])real.Clone();
                for (var k = 0; k < 1 + (i % 6); k++)
                {
                    bytes[generator.Random() % (ulong)bytes.Length] ^= (byte)(1 << (int)(generator.Random() % 8));
                }
            }

            refused += await Task.Run(() => Rejected(bytes)).WaitAsync(TimeSpan.FromSeconds(30)) ? 1 : 0;   // a hang is a TimeoutException
        }

        Assert.InRange(refused, 10, 24);   // every truncation is refused (a model ends with its specs)
    }

    /// <summary>True when the model is refused; else encodes and decodes the probes (which must not throw).</summary>
    private static bool Rejected(byte[] bytes)
    {
        SentencePieceTokenizer t;
        try
        {
            t = SentencePieceTokenizer.FromBytes(bytes, "fuzz.model");
        }
        catch (SentencePieceModelException)
        {
            return true;
        }

        foreach (var text in Probe)
        {
            var e = t.Encode(text);
            Assert.All(e.Ids, id => Assert.InRange(id, 0, t.VocabSize - 1));
            t.Decode(e.Ids);
        }

        return false;
    }

    /// <summary>A length prefix that claims more bytes than the file holds is refused at its offset, without
    /// allocating what it claims: a varint of 2 GiB before the first piece, and one in the trainer spec.</summary>
    [Fact]
    public void A_lying_length_prefix_is_refused_without_allocating_what_it_claims()
    {
        var real = File.ReadAllBytes(SentencePieceParityTests.DataPath("unigram_identity.model"));
        Assert.Equal(0x0A, real[0]);   // field 1 (a piece), length-delimited
        byte[] lie = [0xFF, 0xFF, 0xFF, 0xFF, 0x07];   // 2,147,483,647
        var length = 1;
        while ((real[length] & 0x80) != 0)
        {
            length++;
        }

        var bytes = (byte[])[real[0], .. lie, .. real.AsSpan(length + 1)];
        var before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<SentencePieceModelException>(() => SentencePieceTokenizer.FromBytes(bytes, "lie.model"));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Contains("'lie.model', byte offset 0", e.Message, StringComparison.Ordinal);
        Assert.True(allocated < 8L * bytes.Length + (1 << 20), $"allocated {allocated:N0} bytes for a {bytes.Length:N0}-byte file");

        // A piece count far beyond what the bytes hold cannot be claimed: each piece costs at least two bytes.
        var hand = Model(Tiny);
        var huge = (byte[])[.. hand, 0x12, .. lie];   // a trainer spec claiming 2 GiB after the real one
        before = GC.GetAllocatedBytesForCurrentThread();
        var e2 = Assert.Throws<SentencePieceModelException>(() => SentencePieceTokenizer.FromBytes(huge, "lie.model"));
        Assert.Equal(hand.Length, e2.ByteOffset);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20);
    }

    [Fact]
    public void A_model_file_that_is_a_device_is_refused_naming_it()
    {
        if (!File.Exists("/dev/zero"))
        {
            return;
        }

        var e = Assert.Throws<IOException>(() => SentencePieceTokenizer.Load("/dev/zero"));
        Assert.Contains("'/dev/zero' is a device", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_sampling_alpha_that_is_not_finite_is_refused()
    {
        var t = SentencePieceTokenizer.FromBytes(Model(Tiny), "tiny.model");
        var generator = new Generator(3);
        Assert.Equal("alpha", Assert.Throws<ArgumentOutOfRangeException>(() => t.EncodeSample("abab", float.NaN, generator)).ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => t.EncodeSample("abab", float.PositiveInfinity, generator));
        Assert.All(t.EncodeSample("abab", 0.5f, generator).Ids, id => Assert.InRange(id, 0, t.VocabSize - 1));
    }
}
