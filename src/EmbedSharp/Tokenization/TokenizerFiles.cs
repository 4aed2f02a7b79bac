using EmbedSharp.Tokenization.Bpe;
using EmbedSharp.Tokenization.Character;
using EmbedSharp.Tokenization.SentencePiece;
using EmbedSharp.Tokenization.Tiktoken;
using EmbedSharp.Tokenization.WordPiece;

namespace EmbedSharp.Tokenization;

/// <summary>Opens a tokenizer from the files its reference tool writes.</summary>
public static class TokenizerFiles
{
    /// <summary>The longest line of text <see cref="ReadTextLines(string)"/> accepts: 32 Mi UTF-16 chars (64 MB in
    /// memory). A whole document on one line is normal; a file with no line breaks at all, or an endless stream,
    /// is not text to tokenize line by line.</summary>
    public const int MaxTextLineChars = 1 << 25;

    /// <summary>Reads the text to tokenize (or to train on) from <paramref name="path"/> lazily, one line at a time
    /// (<c>'\n'</c>, <c>'\r'</c> or <c>"\r\n"</c>), in one pass from start to end, so a pipe or FIFO works and the
    /// file is never held whole. The text is UTF-8; invalid bytes become U+FFFD (the text is data, not a model file).
    /// The file is opened when enumeration starts.</summary>
    /// <exception cref="TokenizerFormatException">A line is longer than <see cref="MaxTextLineChars"/> (the message
    /// names the file and line).</exception>
    /// <exception cref="IOException">The file cannot be opened, or is a device such as <c>/dev/zero</c>.</exception>
    public static IEnumerable<string> ReadTextLines(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return ReadTextLines(() => new StreamReader(Numerics.Formats.InputFile.Open(path, seekableFor: null), new System.Text.UTF8Encoding(false, false)), path);
    }

    /// <summary>As <see cref="ReadTextLines(string)"/>, over an open reader (such as standard input) that
    /// <paramref name="sourceName"/> names in messages; the reader is not disposed.</summary>
    public static IEnumerable<string> ReadTextLines(TextReader reader, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentException.ThrowIfNullOrEmpty(sourceName);
        return ReadTextLines(() => new NonDisposingReader(reader), sourceName);
    }

    private static IEnumerable<string> ReadTextLines(Func<TextReader> open, string name)
    {
        using var lines = new Numerics.Formats.BoundedLineReader(open(), MaxTextLineChars, (_, line) => new TokenizerFormatException(name, line,
            FormattableString.Invariant($"the line is longer than {MaxTextLineChars:N0} characters, the most one line of text may hold; break the text into lines.")));
        while (lines.ReadLine() is { } line)
        {
            yield return line;
        }
    }

    /// <summary>The longest line <see cref="ReadByteLines(string)"/> accepts: 64 MiB.</summary>
    public const int MaxTextLineBytes = 1 << 26;

    /// <summary>Reads lines of bytes from <paramref name="path"/> lazily, in one pass, as <c>spm_encode</c> reads its
    /// input (C++ <c>std::getline</c>): only <c>'\n'</c> ends a line and is removed; everything else, a <c>'\r'</c>
    /// (also the one of <c>"\r\n"</c>), a byte-order mark, NUL and invalid UTF-8, is part of the line; a last line
    /// without <c>'\n'</c> is read when it is not empty. The bytes are not decoded; the file is opened when
    /// enumeration starts. Each line is a new array (it can be kept).</summary>
    /// <exception cref="TokenizerFormatException">A line is longer than <see cref="MaxTextLineBytes"/> (the message
    /// names the file and line).</exception>
    /// <exception cref="IOException">The file cannot be opened, or is a device such as <c>/dev/zero</c>.</exception>
    public static IEnumerable<byte[]> ReadByteLines(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return ReadByteLines(() => Numerics.Formats.InputFile.Open(path, seekableFor: null), path, dispose: true);
    }

    /// <summary>As <see cref="ReadByteLines(string)"/>, over an open stream (such as standard input) that
    /// <paramref name="sourceName"/> names in messages; the stream is not disposed.</summary>
    public static IEnumerable<byte[]> ReadByteLines(Stream stream, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentException.ThrowIfNullOrEmpty(sourceName);
        return ReadByteLines(() => stream, sourceName, dispose: false);
    }

    private static IEnumerable<byte[]> ReadByteLines(Func<Stream> open, string name, bool dispose)
    {
        var stream = open();
        try
        {
            var chunk = new byte[1 << 16];
            var line = new byte[256];
            var length = 0;   // bytes of the current line in `line`
            long number = 1;
            int read;
            while ((read = stream.Read(chunk)) > 0)
            {
                var pos = 0;   // indices, not a span: a span cannot live across the yield
                while (pos < read)
                {
                    var end = chunk.AsSpan(pos, read - pos).IndexOf((byte)'\n');
                    var partLength = end < 0 ? read - pos : end;
                    if ((long)length + partLength > MaxTextLineBytes)
                    {
                        throw new TokenizerFormatException(name, number, FormattableString.Invariant(
                            $"the line is longer than {MaxTextLineBytes:N0} bytes, the most one line of text may hold; break the text into lines."));
                    }

                    if (length + partLength > line.Length)
                    {
                        Array.Resize(ref line, (int)Math.Min(MaxTextLineBytes, Math.Max((long)line.Length * 2, length + partLength)));
                    }

                    chunk.AsSpan(pos, partLength).CopyTo(line.AsSpan(length));
                    length += partLength;
                    if (end < 0)
                    {
                        break;
                    }

                    yield return line.AsSpan(0, length).ToArray();
                    length = 0;
                    number++;
                    pos += partLength + 1;
                }
            }

            if (length > 0)
            {
                yield return line.AsSpan(0, length).ToArray();
            }
        }
        finally
        {
            if (dispose)
            {
                stream.Dispose();
            }
        }
    }

    /// <summary>Passes reads through and leaves the inner reader open.</summary>
    private sealed class NonDisposingReader(TextReader inner) : TextReader
    {
        public override int Read(char[] buffer, int index, int count) => inner.Read(buffer, index, count);

        public override int Read(Span<char> buffer) => inner.Read(buffer);

        public override int Peek() => inner.Peek();
    }

    /// <summary>Loads a tokenizer of <paramref name="type"/> from <paramref name="path"/>: a BERT <c>vocab.txt</c>;
    /// for BPE a directory holding <c>encoder.json</c> and <c>vocab.bpe</c>, or the <c>encoder.json</c> with
    /// <c>vocab.bpe</c> beside it; for word and char a one-token-per-line vocabulary with <c>&lt;unk&gt;</c>; for SentencePiece a <c>.model</c> file;
    /// for tiktoken a <c>.tiktoken</c> file whose name names its encoding (<c>cl100k_base.tiktoken</c>; else use
    /// <see cref="TiktokenTokenizer.Load"/> with the encoding); for Hugging Face a <c>tokenizer.json</c>.</summary>
    /// <exception cref="TokenizerFormatException">A file is malformed (the message names it and the line).</exception>
    /// <exception cref="SentencePieceModelException">A SentencePiece model is corrupt (the message names the file and the byte offset).</exception>
    /// <exception cref="NotSupportedException">The type has no reader in this build.</exception>
    public static ITokenizer Load(string path, TokenizerType type)
    {
        ArgumentNullException.ThrowIfNull(path);
        return type switch
        {
            TokenizerType.WordPiece => WordPieceTokenizer.Load(path),
            TokenizerType.Bpe => ByteLevelBpeTokenizer.Load(path),
            TokenizerType.Word => new Word.WordTokenizer(LoadVocabulary(path)),
            TokenizerType.Char => new CharacterTokenizer(LoadVocabulary(path)),
            TokenizerType.SentencePiece => SentencePieceTokenizer.Load(path),
            TokenizerType.Tiktoken => TiktokenTokenizer.Load(path),
            TokenizerType.HuggingFace => HuggingFace.HuggingFaceTokenizer.Load(path),
            _ => throw new NotSupportedException($"{type} models are not readable in this build ({path})."),
        };
    }

    /// <summary>Guesses the type from the path: a <c>*.json</c> file whose top-level object has a <c>"model"</c> object →
    /// Hugging Face (a <c>tokenizer.json</c>); a directory or another <c>*.json</c> → BPE; <c>*.model</c> → SentencePiece;
    /// <c>*.tiktoken</c> → tiktoken; anything else → WordPiece (a <c>vocab.txt</c>).</summary>
    public static TokenizerType InferType(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path.EndsWith(".json", StringComparison.OrdinalIgnoreCase) && File.Exists(path) && HasModelObject(path))
        {
            return TokenizerType.HuggingFace;
        }

        if (Directory.Exists(path) || path.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
        {
            return TokenizerType.Bpe;
        }

        if (path.EndsWith(".tiktoken", StringComparison.OrdinalIgnoreCase))
        {
            return TokenizerType.Tiktoken;
        }

        return path.EndsWith(".model", StringComparison.OrdinalIgnoreCase) ? TokenizerType.SentencePiece : TokenizerType.WordPiece;
    }

    /// <summary>Whether the JSON file's top-level object has a "model" property holding an object (read as a stream,
    /// stopping at that property: a GPT-2 encoder.json is a flat token → id object and never has one).</summary>
    private static bool HasModelObject(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            var buffer = new byte[1 << 16];
            var length = 0;
            var state = new System.Text.Json.JsonReaderState();
            var depth = 0;
            var expectModelValue = false;
            while (true)
            {
                var read = stream.Read(buffer, length, buffer.Length - length);
                length += read;
                var reader = new System.Text.Json.Utf8JsonReader(buffer.AsSpan(0, length), read == 0, state);
                while (reader.Read())
                {
                    switch (reader.TokenType)
                    {
                        case System.Text.Json.JsonTokenType.StartObject or System.Text.Json.JsonTokenType.StartArray:
                            if (expectModelValue && depth == 1)
                            {
                                return reader.TokenType == System.Text.Json.JsonTokenType.StartObject;
                            }

                            depth++;
                            break;
                        case System.Text.Json.JsonTokenType.EndObject or System.Text.Json.JsonTokenType.EndArray:
                            depth--;
                            break;
                        case System.Text.Json.JsonTokenType.PropertyName:
                            expectModelValue = depth == 1 && reader.ValueTextEquals("model"u8);
                            break;
                        default:
                            if (expectModelValue && depth == 1)
                            {
                                return false;
                            }

                            break;
                    }
                }

                if (read == 0)
                {
                    return false;
                }

                var consumed = (int)reader.BytesConsumed;
                state = reader.CurrentState;
                buffer.AsSpan(consumed, length - consumed).CopyTo(buffer);
                length -= consumed;
                if (length == buffer.Length)
                {
                    Array.Resize(ref buffer, buffer.Length * 2);
                }
            }
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static Vocabulary LoadVocabulary(string path)
    {
        var vocabulary = Vocabulary.Load(path);
        return vocabulary.UnknownId >= 0 ? vocabulary
            : throw new TokenizerFormatException(path, null, $"the vocabulary has no {Vocabulary.Unk} token (needed for unknown input).");
    }
}
