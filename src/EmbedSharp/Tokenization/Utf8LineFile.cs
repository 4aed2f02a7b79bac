using System.Buffers;
using System.Globalization;
using System.Text.Unicode;
using EmbedSharp.Numerics.Formats;

namespace EmbedSharp.Tokenization;

/// <summary>
/// Reads a tokenizer's text file (a <c>vocab.txt</c>, a one-token-per-line vocabulary, a <c>vocab.bpe</c> merge list)
/// line by line, with the bounds every such reader shares:
/// <list type="bullet">
/// <item>the file is opened once through <see cref="InputFile"/>, so a pipe or FIFO is streamed and a device that never
/// ends is refused;</item>
/// <item>the bytes must be UTF-8 (a leading byte-order mark is skipped); the first invalid byte is a
/// <see cref="TokenizerFormatException"/> naming the file, the line and the byte offset;</item>
/// <item>a line may hold at most <see cref="MaxLineChars"/> characters and the file at most <see cref="MaxLines"/>
/// lines, so a file with no line breaks, or an endless pipe, ends in that error instead of using up memory.</item>
/// </list>
/// </summary>
internal sealed class Utf8LineFile : IDisposable
{
    /// <summary>The longest line accepted (1 Mi UTF-16 chars): a token is a word or a piece, a few dozen chars.</summary>
    public const int MaxLineChars = 1 << 20;

    /// <summary>The most lines accepted (16 Mi): the largest real vocabularies hold a few hundred thousand tokens.</summary>
    public const long MaxLines = 1 << 24;

    private readonly string _path;
    private readonly string _what;
    private readonly long _maxLines;
    private readonly BoundedLineReader _lines;

    /// <param name="path">The file.</param>
    /// <param name="what">What the file should be, for messages ("a vocabulary", "a merge list").</param>
    /// <param name="maxLines">The most lines accepted (tests lower it).</param>
    public Utf8LineFile(string path, string what, long maxLines = MaxLines)
    {
        _path = path;
        _what = what;
        _maxLines = maxLines;
        var stream = InputFile.Open(path, seekableFor: null);
        var text = new StrictUtf8Reader(stream, offset => new TokenizerFormatException(path, LineNumber + 1,
            string.Create(CultureInfo.InvariantCulture, $"the byte at byte offset {offset} is not valid UTF-8; {what} must be UTF-8 text.")));
        _lines = new BoundedLineReader(text, MaxLineChars, (_, line) => new TokenizerFormatException(path, line,
            string.Create(CultureInfo.InvariantCulture, $"the line is longer than {MaxLineChars:N0} characters; is this {what}?")));
    }

    /// <summary>The 1-based number of the line last returned.</summary>
    public long LineNumber => _lines.LineNumber;

    /// <summary>The next line without its ending, or null at the end of the file.</summary>
    /// <exception cref="TokenizerFormatException">Invalid UTF-8, a line over the bound, or too many lines.</exception>
    public string? ReadLine()
    {
        var line = _lines.ReadLine();
        if (line is not null && _lines.LineNumber > _maxLines)
        {
            throw new TokenizerFormatException(_path, _lines.LineNumber,
                string.Create(CultureInfo.InvariantCulture, $"the file goes on past {_maxLines:N0} lines, more than {_what} may hold."));
        }

        return line;
    }

    /// <summary>Every line of <paramref name="path"/>.</summary>
    public static List<string> ReadAllLines(string path, string what)
    {
        using var file = new Utf8LineFile(path, what);
        var lines = new List<string>();
        while (file.ReadLine() is { } line)
        {
            lines.Add(line);
        }

        return lines;
    }

    /// <inheritdoc/>
    public void Dispose() => _lines.Dispose();

    /// <summary>A <see cref="TextReader"/> over UTF-8 bytes that refuses the first invalid byte (after handing out the
    /// valid text before it, so the line reader's count is that of the bad line). Decoding is
    /// <see cref="Utf8.ToUtf16(ReadOnlySpan{byte}, Span{char}, out int, out int, bool, bool)"/>: vectorised, and strict
    /// about overlong forms, surrogates and truncated sequences.</summary>
    private sealed class StrictUtf8Reader(Stream stream, Func<long, Exception> invalid) : TextReader
    {
        private readonly byte[] _bytes = new byte[1 << 16];
        private int _start;
        private int _end;
        private long _offset;   // file offset of _bytes[_start]
        private bool _eof;
        private bool _started;

        public override int Read(char[] buffer, int index, int count) => Read(buffer.AsSpan(index, count));

        public override int Read(Span<char> buffer)
        {
            if (buffer.IsEmpty)
            {
                return 0;
            }

            if (!_started)
            {
                _started = true;
                Fill();
                if (_bytes.AsSpan(_start, _end - _start).StartsWith("\uFEFF"u8))
                {
                    _start += 3;
                    _offset = 3;
                }
            }

            while (true)
            {
                if (!_eof && _end - _start < 4)
                {
                    Fill();
                }

                if (_start == _end)
                {
                    return 0;
                }

                var status = Utf8.ToUtf16(_bytes.AsSpan(_start, _end - _start), buffer, out var read, out var written, replaceInvalidSequences: false, isFinalBlock: _eof);
                _start += read;
                _offset += read;
                if (written > 0)
                {
                    return written;
                }

                switch (status)
                {
                    case OperationStatus.InvalidData:
                        throw invalid(_offset);
                    case OperationStatus.DestinationTooSmall:
                        throw new ArgumentException("The buffer must hold at least two chars (a surrogate pair).", nameof(buffer));
                    default:
                        if (!_eof)
                        {
                            Fill();
                        }

                        break;
                }
            }
        }

        /// <summary>Moves the unread bytes to the front and reads until at least 4 are buffered or the stream ends.</summary>
        private void Fill()
        {
            var left = _end - _start;
            _bytes.AsSpan(_start, left).CopyTo(_bytes);
            (_start, _end) = (0, left);
            while (_end < 4 && !_eof)
            {
                var n = stream.Read(_bytes, _end, _bytes.Length - _end);
                _eof = n == 0;
                _end += n;
            }
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                stream.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
