using System.Text;

namespace EmbedSharp.Numerics.Formats;

/// <summary>
/// Reads text lines as <see cref="TextReader.ReadLine"/> does (a line ends at '\n', '\r' or "\r\n"; the last line
/// needs no ending) but refuses a line longer than a bound instead of growing without end: <c>/dev/zero</c> or a file
/// with no line break given where lines are expected ends in a clear error naming the file and line, not in an
/// out-of-memory kill. Why not <see cref="StreamReader.ReadLine"/>: it has no bound and no way to learn whether the
/// last line was terminated.
/// </summary>
internal sealed class BoundedLineReader : IDisposable
{
    private readonly TextReader _reader;
    private readonly int _maxChars;
    private readonly Func<string, long, Exception> _tooLong;
    private readonly char[] _buffer = new char[8192];
    private readonly StringBuilder _line = new();
    private int _start;
    private int _end;
    private bool _pendingCr;

    /// <param name="reader">The text to read (disposed with this reader).</param>
    /// <param name="maxChars">The longest line accepted, in UTF-16 chars.</param>
    /// <param name="tooLong">Makes the error for a line over the bound from a message and the 1-based line number
    /// (each reader throws its own <see cref="FileFormatException"/> type).</param>
    public BoundedLineReader(TextReader reader, int maxChars, Func<string, long, Exception> tooLong)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxChars);
        _reader = reader;
        _maxChars = maxChars;
        _tooLong = tooLong;
    }

    /// <summary>Lines returned so far (the 1-based number of the last one).</summary>
    public long LineNumber { get; private set; }

    /// <summary>True once the last line returned ended at the end of input without a line break.</summary>
    public bool LastLineUnterminated { get; private set; }

    /// <summary>The next line without its ending, or null at the end of input.</summary>
    public string? ReadLine()
    {
        _line.Clear();
        var any = false;
        while (true)
        {
            if (_start == _end)
            {
                _start = 0;
                _end = _reader.Read(_buffer, 0, _buffer.Length);
                if (_end == 0)
                {
                    _pendingCr = false;
                    if (!any)
                    {
                        return null;
                    }

                    LastLineUnterminated = true;
                    return Finish();
                }
            }

            if (_pendingCr)
            {
                _pendingCr = false;
                if (_buffer[_start] == '\n')
                {
                    _start++;
                    continue;
                }
            }

            any = true;
            var span = _buffer.AsSpan(_start, _end - _start);
            var stop = span.IndexOfAny('\n', '\r');
            var take = stop < 0 ? span.Length : stop;
            if (_line.Length + take > _maxChars)
            {
                throw _tooLong($"Line {LineNumber + 1} is longer than {_maxChars:N0} characters: is this the right file?", LineNumber + 1);
            }

            _line.Append(span[..take]);
            _start += take;
            if (stop >= 0)
            {
                _pendingCr = span[stop] == '\r';
                _start++;
                LastLineUnterminated = false;
                return Finish();
            }
        }
    }

    private string Finish()
    {
        LineNumber++;
        return _line.ToString();
    }

    /// <inheritdoc />
    public void Dispose() => _reader.Dispose();
}
