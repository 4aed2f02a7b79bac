using System.Text;
using EmbedSharp.Randomness;
using EmbedSharp.Tokenization;
using EmbedSharp.Tokenization.Bpe;
using EmbedSharp.Tokenization.SentencePiece;
using EmbedSharp.Tokenization.WordPiece;

namespace EmbedSharp.Tests.Tokenization;

/// <summary>Issue 14 for the tokenizer files: endless or hostile input ends in one error naming the file and the line
/// (or the byte offset), a pipe is streamed once, and mutated files either load and work or are refused.</summary>
public sealed class TokenizerFileBoundsTests : IDisposable
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(30);
    private readonly string _dir = Directory.CreateTempSubdirectory("embedsharp-tokfiles-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, byte[] content)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, content);
        return path;
    }

    private static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);

    /// <summary>Every line-by-line vocabulary reader, by name.</summary>
    public static TheoryData<string> LineReaders => ["vocabulary", "wordpiece", "merges"];

    /// <summary>Loads <paramref name="path"/> with the reader <paramref name="kind"/>; for merges the file is vocab.bpe
    /// in a directory whose encoder.json holds the 256 byte tokens.</summary>
    private static object Load(string kind, string path) => kind switch
    {
        "vocabulary" => Vocabulary.Load(path),
        "wordpiece" => WordPieceTokenizer.Load(path),
        _ => ByteLevelBpeTokenizer.Load(Path.GetDirectoryName(path)!),
    };

    private string FileFor(string kind, byte[] content)
    {
        if (kind != "merges")
        {
            return Write("vocab.txt", content);
        }

        var bytes = new BpeTokenizerBuilder().EncoderJson();
        Write(ByteLevelBpeTokenizer.EncoderFileName, bytes);
        return Write(ByteLevelBpeTokenizer.MergesFileName, content);
    }

    [Theory]
    [MemberData(nameof(LineReaders))]
    public void Invalid_utf8_names_the_file_the_line_and_the_byte(string kind)
    {
        // Line 3 holds the byte 0xFF; in the merges case the lines are merges of byte tokens.
        var content = kind == "merges" ? "#version: 0.2\nĠ t\nh \u00ffe\nx y\n" : "[UNK]\nabc\nd\u00ffe\nz\n";
        var bytes = Utf8(content);
        var bad = Array.IndexOf(bytes, (byte)0xC3, content.IndexOf('\u00ff', StringComparison.Ordinal));
        bytes[bad] = 0xFF;
        bytes[bad + 1] = 0x20;
        var path = FileFor(kind, bytes);
        var e = Assert.Throws<TokenizerFormatException>(() => Load(kind, path));
        Assert.Equal(path, e.FilePath);
        Assert.Equal(3, e.Line);
        Assert.Contains($"byte offset {bad} is not valid UTF-8", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Unable to translate", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_utf8_far_into_the_file_and_characters_split_across_reads_are_handled()
    {
        // 70,000 lines of a 4-byte character put many characters across the reader's 64 KiB buffer boundaries.
        var lines = new List<string> { "<unk>" };
        for (var i = 0; i < 70_000; i++)
        {
            lines.Add(FormattableString.Invariant($"😀{i}"));
        }

        var text = "\uFEFF" + string.Join('\n', lines) + "\r\n";
        var good = Write("good.txt", Utf8(text));
        var vocabulary = Vocabulary.Load(good);
        Assert.Equal(lines, vocabulary.Tokens);   // the byte-order mark is skipped, "\r\n" accepted

        var bytes = Utf8(text);
        var at = bytes.Length - 4;   // a digit of the last line
        bytes[at] = 0x80;            // a continuation byte with no lead byte
        var bad = Write("bad.txt", bytes);
        var e = Assert.Throws<TokenizerFormatException>(() => Vocabulary.Load(bad));
        Assert.Equal(70_001, e.Line);
        Assert.Contains(FormattableString.Invariant($"byte offset {at} "), e.Message, StringComparison.Ordinal);

        var truncated = Write("truncated.txt", Utf8("<unk>\nab😀")[..^2]);   // ends inside a character
        Assert.Equal(2, Assert.Throws<TokenizerFormatException>(() => Vocabulary.Load(truncated)).Line);
    }

    [Theory]
    [MemberData(nameof(LineReaders))]
    public void A_file_with_no_line_break_is_refused_at_the_line_bound(string kind)
    {
        var bytes = new byte[Utf8LineFile.MaxLineChars + 1];
        bytes.AsSpan().Fill((byte)'a');
        var path = FileFor(kind, bytes);
        var e = Assert.Throws<TokenizerFormatException>(() => Load(kind, path));
        Assert.Equal(1, e.Line);
        Assert.Contains("longer than 1,048,576 characters", e.Message, StringComparison.Ordinal);
        Assert.StartsWith(path + ":1: ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_with_too_many_lines_is_refused_at_the_line_after_the_bound()
    {
        var path = Write("many.txt", Utf8("a\nb\nc\nd\n"));
        using var file = new Utf8LineFile(path, "a vocabulary", maxLines: 3);
        Assert.Equal("a", file.ReadLine());
        Assert.Equal("b", file.ReadLine());
        Assert.Equal("c", file.ReadLine());
        var e = Assert.Throws<TokenizerFormatException>(file.ReadLine);
        Assert.Equal(4, e.Line);
        Assert.Contains("goes on past 3 lines", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("vocabulary")]
    [InlineData("wordpiece")]
    [InlineData("encoder")]
    [InlineData("sentencepiece")]
    [InlineData("text")]
    public void Dev_zero_is_refused_at_once_naming_it(string kind)
    {
        if (!File.Exists("/dev/zero"))
        {
            return;
        }

        var task = Task.Run(() => kind switch
        {
            "vocabulary" => Vocabulary.Load("/dev/zero"),
            "wordpiece" => WordPieceTokenizer.Load("/dev/zero"),
            "encoder" => ByteLevelBpeTokenizer.Load(DevZeroEncoder(_dir)),
            "sentencepiece" => SentencePieceTokenizer.Load("/dev/zero"),
            _ => (object)TokenizerFiles.ReadTextLines("/dev/zero").Count(),
        });
        var e = Assert.IsType<IOException>(Outcome(task));
        Assert.Contains(kind == "encoder" ? "encoder.json' is a device" : "'/dev/zero' is a device", e.Message, StringComparison.Ordinal);
    }

    /// <summary>A directory whose encoder.json is a link to /dev/zero, beside a valid vocab.bpe; returns the link.</summary>
    internal static string DevZeroEncoder(string dir)
    {
        File.WriteAllText(Path.Combine(dir, ByteLevelBpeTokenizer.MergesFileName), "#version: 0.2\n");
        return File.CreateSymbolicLink(Path.Combine(dir, ByteLevelBpeTokenizer.EncoderFileName), "/dev/zero").FullName;
    }

    /// <summary>(A .model in an endless pipe is refused at 256 MiB by InputFile.ReadAllBytes, tested there; not
    /// repeated here to spare the memory.)</summary>
    [Theory]
    [InlineData("vocabulary")]
    [InlineData("text")]
    public void An_endless_pipe_stops_at_the_bound_naming_the_file(string kind)
    {
        if (!FifoWriter.Supported)
        {
            return;
        }

        using var fifo = new FifoWriter("endless", FifoWriter.Endless(Utf8(new string('x', 4096))));
        var task = Task.Run(() => kind == "vocabulary" ? Vocabulary.Load(fifo.Path) : (object)TokenizerFiles.ReadTextLines(fifo.Path).Count());
        var e = Assert.IsType<TokenizerFormatException>(Outcome(task));
        Assert.Equal(fifo.Path, e.FilePath);
        Assert.Equal(1, e.Line);
        Assert.Contains("is longer than", e.Message, StringComparison.Ordinal);
    }

    /// <summary>The exception <paramref name="task"/> ended with (null when it succeeded); fails if it runs past the
    /// generous bound (a hang).</summary>
    private static Exception? Outcome(Task task)
    {
        Assert.True(Task.WaitAny([task], Generous) == 0, "the read did not end");
        return task.Exception?.InnerException;
    }

    [Fact]
    public void Tokenizer_files_in_pipes_are_streamed_once()
    {
        if (!FifoWriter.Supported)
        {
            return;
        }

        var vocab = File.ReadAllBytes(TokenizerFixtures.PathOf("wordpiece/vocab.txt"));
        using (var fifo = new FifoWriter("vocab.txt", s => s.Write(vocab)))
        {
            var fromPipe = WordPieceTokenizer.Load(fifo.Path);
            Assert.Equal(TokenizerFixtures.WordPiece.Encode("The Congress says no").Ids, fromPipe.Encode("The Congress says no").Ids);
        }

        var model = File.ReadAllBytes(SentencePiece.SentencePieceParityTests.DataPath("unigram.model"));
        using (var fifo = new FifoWriter("m.model", s => s.Write(model)))
        {
            Assert.Equal(8000, SentencePieceTokenizer.Load(fifo.Path).VocabSize);
        }

        using (var fifo = new FifoWriter("in.txt", s => s.Write(Utf8("one\r\ntwo\rthree"))))
        {
            Assert.Equal(["one", "two", "three"], TokenizerFiles.ReadTextLines(fifo.Path));
        }
    }

    [Fact]
    public void Text_lines_read_from_a_reader_are_bounded_and_name_the_source()
    {
        Assert.Equal(["a", "", "b"], TokenizerFiles.ReadTextLines(new StringReader("a\n\nb\n"), "standard input"));
        using var endless = new EndlessReader();
        var e = Assert.Throws<TokenizerFormatException>(() => TokenizerFiles.ReadTextLines(endless, "standard input").Count());
        Assert.StartsWith("standard input:1: the line is longer than 33,554,432 characters", e.Message, StringComparison.Ordinal);
        Assert.False(endless.Disposed);   // the caller's reader stays open
    }

    /// <summary>Truncated and mutated vocab.txt, encoder.json and vocab.bpe either load and tokenize a sample, or give
    /// TokenizerFormatException naming the file; never another exception, never a hang.</summary>
    [Fact]
    public async Task Truncated_and_mutated_wordpiece_and_bpe_files_load_and_work_or_are_refused()
    {
        var generator = new Generator(14);
        var sources = new[]
        {
            ("wordpiece", TokenizerFixtures.PathOf("wordpiece/vocab.txt"), "vocab.txt"),
            ("bpe", TokenizerFixtures.PathOf("bpe/encoder.json"), ByteLevelBpeTokenizer.EncoderFileName),
            ("bpe", TokenizerFixtures.PathOf("bpe/vocab.bpe"), ByteLevelBpeTokenizer.MergesFileName),
        };
        var refused = 0;
        var loaded = 0;
        foreach (var (kind, source, name) in sources)
        {
            var real = File.ReadAllBytes(source);
            for (var i = 0; i < 24; i++)
            {
                var bytes = (byte[])real.Clone();
                if (i % 3 == 0)
                {
                    bytes = bytes[..(int)(generator.Random() % (ulong)bytes.Length)];
                }
                else
                {
                    for (var k = 0; k < 1 + (i % 5); k++)
                    {
                        var at = (int)(generator.Random() % (ulong)bytes.Length);
                        bytes[at] = i % 2 == 0 ? (byte)generator.Random() : (byte)(bytes[at] ^ (1 << (int)(generator.Random() % 8)));
                    }
                }

                var dir = Directory.CreateDirectory(Path.Combine(_dir, FormattableString.Invariant($"case{kind}{name}{i}"))).FullName;
                if (kind == "bpe")
                {
                    foreach (var file in new[] { ByteLevelBpeTokenizer.EncoderFileName, ByteLevelBpeTokenizer.MergesFileName })
                    {
                        File.Copy(TokenizerFixtures.PathOf("bpe/" + file), Path.Combine(dir, file));
                    }
                }

                File.WriteAllBytes(Path.Combine(dir, name), bytes);
                var task = Task.Run(() =>
                {
                    ITokenizer tokenizer = kind == "wordpiece" ? WordPieceTokenizer.Load(Path.Combine(dir, name)) : ByteLevelBpeTokenizer.Load(dir);
                    foreach (var text in new[] { "The State of the Union is strong.", "Ünïcödé 😀 日本語", "" })
                    {
                        var encoding = tokenizer.Encode(text);
                        Assert.All(encoding.Ids, id => Assert.InRange(id, 0, tokenizer.VocabSize - 1));
                        tokenizer.Decode(encoding.Ids);
                    }
                });
                try
                {
                    await task.WaitAsync(Generous);   // a TimeoutException (a hang) fails the test
                    loaded++;
                }
                catch (TokenizerFormatException f)
                {
                    // The mutated file, or (a token of encoder.json changed) the merge list that needs the token.
                    Assert.StartsWith(kind == "bpe" ? dir : Path.Combine(dir, name), f.Message, StringComparison.Ordinal);
                    refused++;
                }
            }
        }

        Assert.True(refused > 0 && loaded > 0, $"{refused} refused, {loaded} loaded");
    }

    [Theory]
    [InlineData("{\"a\": ", 1)]
    [InlineData("{\n\"a\": 0,\n\"b\": \"x\"}", 3)]
    public void A_malformed_encoder_json_names_the_line_in_our_words(string json, long line)
    {
        var path = Write(ByteLevelBpeTokenizer.EncoderFileName, Utf8(json));
        Write(ByteLevelBpeTokenizer.MergesFileName, Utf8("#version: 0.2\n"));
        var e = Assert.Throws<TokenizerFormatException>(() => ByteLevelBpeTokenizer.Load(path));
        Assert.Equal(line, e.Line);
        Assert.Contains("expected a JSON object of token → integer id", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_encoder_json_token_that_is_not_utf8_is_refused_in_our_words()
    {
        var path = Write(ByteLevelBpeTokenizer.EncoderFileName, [.. "{\"a\u0000"u8[..3], 0xFF, .. "\": 0}"u8]);
        Write(ByteLevelBpeTokenizer.MergesFileName, Utf8("#version: 0.2\n"));
        var e = Assert.Throws<TokenizerFormatException>(() => ByteLevelBpeTokenizer.Load(path));
        Assert.StartsWith(path + ":", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("transcode", e.Message, StringComparison.Ordinal);
    }

    /// <summary>Hands out 'a' for ever, as a terminal or pipe that never sends a line break would.</summary>
    private sealed class EndlessReader : TextReader
    {
        public bool Disposed { get; private set; }

        public override int Read(char[] buffer, int index, int count)
        {
            buffer.AsSpan(index, count).Fill('a');
            return count;
        }

        protected override void Dispose(bool disposing)
        {
            Disposed = true;
            base.Dispose(disposing);
        }
    }

    /// <summary>The smallest valid encoder.json: the 256 byte tokens, plus the merged tokens the merge tests use.</summary>
    private sealed class BpeTokenizerBuilder
    {
        public byte[] EncoderJson()
        {
            var tokens = ByteLevel.BytesInVocabularyOrder.Select(b => ByteLevel.ToChar(b).ToString()).ToList();
            tokens.AddRange(["Ġt", "xy"]);
            using var stream = new MemoryStream();
            using (var writer = new System.Text.Json.Utf8JsonWriter(stream))
            {
                writer.WriteStartObject();
                for (var i = 0; i < tokens.Count; i++)
                {
                    writer.WriteNumber(tokens[i], i);
                }

                writer.WriteEndObject();
            }

            return stream.ToArray();
        }
    }
}
