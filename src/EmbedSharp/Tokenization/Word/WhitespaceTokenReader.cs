namespace EmbedSharp.Tokenization.Word;

/// <summary>
/// <see cref="WordSplitting.Whitespace"/> over a byte stream, as fastText's <c>Dictionary::readWord</c> reads training
/// files: the same separators (<see cref="WordTokenizer.IsFastTextSpace"/>: space, tab, \v, \f, \r, \0 and the
/// newline), and in addition a newline ends the current token and is itself returned as the end-of-sentence token
/// <c>&lt;/s&gt;</c>. Tokens are raw bytes (no UTF-8 validation, as fastText); for valid UTF-8 without newlines they are
/// the UTF-8 of the words <see cref="WordTokenizer.Split(string, WordSplitting, System.Text.RegularExpressions.Regex?)"/>
/// gives. Owns one buffer allocated once; <see cref="ReadToken"/> allocates nothing unless a token is longer than any before.
/// </summary>
internal sealed class WhitespaceTokenReader
{
    /// <summary>fastText's end-of-sentence token (<c>Dictionary::EOS</c>).</summary>
    public static ReadOnlySpan<byte> EndOfSentence => "</s>"u8;

    private static readonly bool[] Separator = CreateSeparators();

    private readonly Stream _stream;
    private readonly byte[] _buffer;
    private int _position;
    private int _length;
    private byte[] _token = new byte[64];
    private bool _atEnd;
    private readonly int _maxTokenBytes;
    private readonly Func<long, Exception>? _tooLong;

    /// <param name="stream">The bytes to read.</param>
    /// <param name="bufferSize">Bytes read from the stream at a time.</param>
    /// <param name="maxTokenBytes">The longest token accepted; a longer one throws <paramref name="tooLong"/>'s
    /// exception (made from the token's start offset) instead of growing the token buffer without end.</param>
    /// <param name="tooLong">Makes the error for an over-long token; required with a bound.</param>
    public WhitespaceTokenReader(Stream stream, int bufferSize = 1 << 16, int maxTokenBytes = int.MaxValue, Func<long, Exception>? tooLong = null)
    {
        _stream = stream;
        _buffer = new byte[bufferSize];
        _maxTokenBytes = maxTokenBytes;
        _tooLong = tooLong;
    }

    /// <summary>True once a read found the end of the stream (fastText's <c>in.eof()</c>).</summary>
    public bool AtEnd => _atEnd;

    /// <summary>The stream offset of the next unread byte (the stream position minus what is buffered).</summary>
    public long Position => _stream.Position - (_length - _position);

    /// <summary>Moves to byte <paramref name="offset"/> (possibly mid-token, as fastText's per-thread seek) and sets the end
    /// flag (cleared unless a checkpoint restores it).</summary>
    public void Seek(long offset, bool atEnd = false)
    {
        _stream.Seek(offset, SeekOrigin.Begin);
        _position = 0;
        _length = 0;
        _atEnd = atEnd;
    }

    /// <summary>Reads the next token into an internal buffer; false at the end of the stream.</summary>
    /// <param name="token">The token bytes, valid until the next call.</param>
    public bool ReadToken(out ReadOnlySpan<byte> token)
    {
        var count = 0;
        while (true)
        {
            if (_position == _length)
            {
                _length = _stream.Read(_buffer, 0, _buffer.Length);
                _position = 0;
                if (_length == 0)
                {
                    _atEnd = true;
                    token = _token.AsSpan(0, count);
                    return count > 0;
                }
            }

            var c = _buffer[_position++];
            if (Separator[c])
            {
                if (count == 0)
                {
                    if (c == (byte)'\n')
                    {
                        token = EndOfSentence;
                        return true;
                    }

                    continue;
                }

                if (c == (byte)'\n')
                {
                    _position--; // fastText's sungetc: the newline becomes the next token
                }

                token = _token.AsSpan(0, count);
                return true;
            }

            if (count == _token.Length)
            {
                if (count >= _maxTokenBytes)
                {
                    throw _tooLong?.Invoke(Position - 1 - count) ?? new InvalidDataException($"A token is longer than {_maxTokenBytes} bytes.");
                }

                Array.Resize(ref _token, (int)Math.Min(_token.Length * 2L, _maxTokenBytes));
            }

            _token[count++] = c;
        }
    }

    private static bool[] CreateSeparators()
    {
        var s = new bool[256];
        foreach (var c in WordTokenizer.FastTextSpaceCharacters)
        {
            s[c] = true;
        }

        return s;
    }
}
