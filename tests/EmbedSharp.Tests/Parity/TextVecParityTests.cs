using System.Text;
using System.Text.Json;
using EmbedSharp.Vectors.Formats;
using EmbedSharp.Vectors.Formats.Glove;
using EmbedSharp.Vectors.Formats.Word2VecBinary;
using EmbedSharp.Vectors.Formats.Word2VecText;
using static EmbedSharp.Tests.Vectors.Formats.TextVecFixtures;

namespace EmbedSharp.Tests.Parity;

/// <summary>Files written by gensim and fastText read to the vectors gensim reads (bit for bit); EmbedSharp's writers
/// produce gensim's bytes. Fixtures: tools/goldens/make_textvec.py.</summary>
public class TextVecParityTests
{
    private static JsonElement Vectors => Cases.GetProperty("vectors");

    private static VectorReadResult ReadAs(string format, string name, VectorReadOptions? options = null) => format switch
    {
        "text" => Word2VecTextFile.Read(PathOf(name), options),
        "glove" => GloveFile.Read(PathOf(name), options),
        _ => Word2VecBinaryFile.Read(PathOf(name), options),
    };

    [Theory]
    [InlineData("text", "gensim_300x20.txt")]
    [InlineData("binary", "gensim_300x20.bin")]
    [InlineData("glove", "gensim_300x20_glove.txt")]
    [InlineData("text", "gensim_300x20.txt.gz")]
    public void Files_written_by_gensim_read_to_gensims_vectors_bit_for_bit(string format, string name)
    {
        var result = ReadAs(format, name);
        AssertVectors(Strings(Vectors.GetProperty("words")), Floats("gensim_300x20_vectors.f32"), result.Vectors);
        Assert.Empty(result.Duplicates);
        Assert.Empty(result.Skipped);
        Assert.Equal(300, result.EntriesRead);
    }

    [Theory]
    [InlineData("text", "gensim_300x20.txt")]
    [InlineData("binary", "gensim_300x20.bin")]
    [InlineData("glove", "gensim_300x20_glove.txt")]
    public void Writers_produce_the_bytes_gensim_writes(string format, string name)
    {
        var vectors = ReadAs(format, name).Vectors;
        using var ms = new MemoryStream();
        switch (format)
        {
            case "text": Word2VecTextFile.Write(ms, vectors); break;
            case "glove": GloveFile.Write(ms, vectors); break;
            default: Word2VecBinaryFile.Write(ms, vectors); break;
        }

        var expected = File.ReadAllBytes(PathOf(name));
        var actual = ms.ToArray();
        var at = expected.AsSpan().CommonPrefixLength(actual);
        Assert.True(at == expected.Length && actual.Length == expected.Length,
            $"Output differs from gensim's at byte {at} (lengths {actual.Length} vs {expected.Length}).");
    }

    [Fact]
    public void Floats_are_written_as_numpys_float32_repr()
    {
        var values = Floats("repr_sweep.f32");
        var reprs = File.ReadAllLines(PathOf("repr_sweep.txt"));
        Assert.Equal(values.Length, reprs.Length);
        Span<byte> buffer = stackalloc byte[32];
        for (var i = 0; i < values.Length; i++)
        {
            var n = NumpyFloatFormatter.Format(values[i], buffer);
            var text = Encoding.ASCII.GetString(buffer[..n]);
            Assert.True(text == reprs[i], $"Value {i} (0x{BitConverter.SingleToInt32Bits(values[i]):x8}): numpy writes '{reprs[i]}', EmbedSharp '{text}'.");
        }
    }

    [Theory]
    [InlineData("notations", "notations.txt")]
    [InlineData("crlf", "crlf.txt")]
    [InlineData("crlf", "trailing_space.txt")]
    [InlineData("fasttext", "fasttext_skipgram.vec")]
    public void Every_notation_crlf_trailing_spaces_and_fasttext_vec_read_like_gensim(string caseName, string file)
    {
        var c = Cases.GetProperty(caseName);
        var result = Word2VecTextFile.Read(PathOf(file));
        AssertVectors(Strings(c.GetProperty("words")), HexFloats(c.GetProperty("values")), result.Vectors);
    }

    [Fact]
    public void Repeated_words_keep_the_first_vector_like_gensim_and_are_reported()
    {
        var c = Cases.GetProperty("duplicates");
        var result = Word2VecTextFile.Read(PathOf("duplicates.txt"));
        AssertVectors(Strings(c.GetProperty("words")), HexFloats(c.GetProperty("values")), result.Vectors);
        Assert.Equal(5, result.EntriesRead);
        var dropped = c.GetProperty("dropped").EnumerateArray().ToArray();
        Assert.Equal(dropped.Length, result.Duplicates.Count);
        for (var i = 0; i < dropped.Length; i++)
        {
            Assert.Equal(dropped[i].GetProperty("word").GetString(), result.Duplicates[i].Word);
            Assert.Equal(dropped[i].GetProperty("entry").GetInt64(), result.Duplicates[i].Entry);
            Assert.Equal(dropped[i].GetProperty("first").GetInt64(), result.Duplicates[i].FirstEntry);
            Assert.Equal(dropped[i].GetProperty("line").GetInt64(), result.Duplicates[i].Line);
        }

        var b = Cases.GetProperty("duplicates_binary");
        var binary = Word2VecBinaryFile.Read(PathOf("duplicates.bin"));
        AssertVectors(Strings(b.GetProperty("words")), HexFloats(b.GetProperty("values")), binary.Vectors);
        var dup = Assert.Single(binary.Duplicates);
        Assert.Equal(("x", 2L, 0L, -1L, b.GetProperty("dropped_offset").GetInt64()), (dup.Word, dup.Entry, dup.FirstEntry, dup.Line, dup.ByteOffset));
    }

    [Fact]
    public void Repeated_words_are_an_error_naming_both_lines_under_DuplicatePolicy_Error()
    {
        var e = Assert.Throws<VectorFormatException>(() =>
            Word2VecTextFile.Read(PathOf("duplicates.txt"), new VectorReadOptions { Duplicates = DuplicatePolicy.Error }));
        Assert.Equal(4, e.Line);
        Assert.Contains("'a'", e.Message, StringComparison.Ordinal);
        Assert.Contains("line 2", e.Message, StringComparison.Ordinal);
        Assert.Contains("duplicates.txt", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("invalid_utf8.bin", "bad_offset")]
    [InlineData("invalid_utf8_c_style.bin", "bad_offset_c_style")]
    public void Invalid_utf8_in_a_binary_word_follows_the_policy(string file, string offsetKey)
    {
        var c = Cases.GetProperty("invalid_utf8_binary");
        var offset = c.GetProperty(offsetKey).GetInt64();
        var strict = Assert.Throws<VectorFormatException>(() => Word2VecBinaryFile.Read(PathOf(file)));
        Assert.Equal(offset, strict.ByteOffset);
        Assert.Contains(@"caf\xe9", strict.Message, StringComparison.Ordinal);

        var replaced = Word2VecBinaryFile.Read(PathOf(file), new VectorReadOptions { Utf8 = Utf8Policy.Replace });
        AssertVectors(Strings(c.GetProperty("replace_words")), HexFloats(c.GetProperty("values")), replaced.Vectors);

        var skipped = Word2VecBinaryFile.Read(PathOf(file), new VectorReadOptions { Utf8 = Utf8Policy.Skip });
        Assert.Equal(["ok", "日本"], skipped.Vectors.Words);
        var s = Assert.Single(skipped.Skipped);
        Assert.Equal((1L, -1L, offset), (s.Entry, s.Line, s.ByteOffset));
        Assert.Equal([6f, 7f, 8f], skipped.Vectors["日本"].ToArray());
    }

    [Fact]
    public void Invalid_utf8_in_a_text_word_follows_the_policy()
    {
        var c = Cases.GetProperty("invalid_utf8_text");
        var strict = Assert.Throws<VectorFormatException>(() => Word2VecTextFile.Read(PathOf("invalid_utf8.txt")));
        Assert.Equal(c.GetProperty("bad_line").GetInt64(), strict.Line);
        var replaced = Word2VecTextFile.Read(PathOf("invalid_utf8.txt"), new VectorReadOptions { Utf8 = Utf8Policy.Replace });
        AssertVectors(Strings(c.GetProperty("replace_words")), HexFloats(c.GetProperty("values")), replaced.Vectors);
        var skipped = Word2VecTextFile.Read(PathOf("invalid_utf8.txt"), new VectorReadOptions { Utf8 = Utf8Policy.Skip });
        Assert.Equal(["ok", "日本"], skipped.Vectors.Words);
        Assert.Equal(3, Assert.Single(skipped.Skipped).Line);
    }

    [Fact]
    public void GloVe_tokens_with_spaces_take_everything_before_the_last_D_fields()
    {
        var c = Cases.GetProperty("glove_spaces");
        var result = GloveFile.Read(PathOf("glove_spaces.txt"));
        AssertVectors(Strings(c.GetProperty("words")), HexFloats(c.GetProperty("values")), result.Vectors);
    }

    public static TheoryData<string> BadFiles() => [.. Cases.GetProperty("bad").EnumerateArray().Select(e => e.GetProperty("file").GetString()!)];

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void Bad_files_throw_naming_the_file_and_the_line_or_byte_offset(string file)
    {
        var c = Cases.GetProperty("bad").EnumerateArray().Single(e => e.GetProperty("file").GetString() == file);
        var format = c.GetProperty("format").GetString()!;
        var (line, offset) = (c.GetProperty("line").GetInt64(), c.GetProperty("offset").GetInt64());
        var (streamLine, streamOffset) = (c.GetProperty("stream_line").GetInt64(), c.GetProperty("stream_offset").GetInt64());

        // From the file: a file too short for its header's counts is refused at the header, before any allocation.
        // From a forward-only stream (no length to check against) the problem is found where it is.
        var e = Assert.Throws<VectorFormatException>(() => ReadAs(format, file));
        Assert.Equal(PathOf(file), e.FilePath);
        Assert.Contains(file, e.Message, StringComparison.Ordinal);
        Assert.True(line == e.Line && offset == e.ByteOffset, $"expected line {line}, offset {offset}; got: {e.Message}");

        using var stream = new Numerics.Formats.FormatFixtures.ForwardOnlyStream(File.ReadAllBytes(PathOf(file)));
        var s = Assert.Throws<VectorFormatException>(() => format switch
        {
            "text" => Word2VecTextFile.Read(stream, name: file),
            "glove" => GloveFile.Read(stream, name: file),
            _ => Word2VecBinaryFile.Read(stream, name: file),
        });
        Assert.True(streamLine == s.Line && streamOffset == s.ByteOffset, $"expected line {streamLine}, offset {streamOffset}; got: {s.Message}");
        Assert.Equal(file, s.FilePath);
    }

    [Theory]
    [InlineData("text", "nan.txt")]
    [InlineData("binary", "nan.bin")]
    public void NaN_loads_when_allowed(string format, string file)
    {
        var result = ReadAs(format, file, new VectorReadOptions { AllowNaN = true });
        Assert.True(float.IsNaN(result.Vectors.GetVector(1)[1]));
    }
}
