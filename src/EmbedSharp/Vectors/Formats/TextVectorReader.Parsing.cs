using System.Globalization;
using System.Text;
using System.Text.Unicode;

namespace EmbedSharp.Vectors.Formats;

/// <content>What a worker does with a block: split it into lines, parse each line's word and numbers into its row, and
/// keep the error of the earliest line.</content>
internal sealed partial class TextVectorReader
{
    private void ParseBlock(in Block block)
    {
        if (Volatile.Read(ref _errorLine) < block.FirstLine)
        {
            return; // an earlier line already failed
        }

        try
        {
            var span = block.Buffer.AsSpan(block.Start, block.End - block.Start);
            var pos = 0;
            for (var i = 0; i < block.Lines; i++)
            {
                var length = span[pos..].IndexOf((byte)'\n');
                if (length < 0)
                {
                    length = span.Length - pos;
                }

                ParseLine(span.Slice(pos, length), block.FirstRow + i, block.FirstLine + i, block.FileOffset + pos);
                pos += length + 1;
            }
        }
        catch (VectorFormatException e)
        {
            Fail(e);
        }
#pragma warning disable CA1031 // a worker must hand any failure to the reading thread
        catch (Exception e)
#pragma warning restore CA1031
        {
            lock (_gate)
            {
                _fatal ??= e;
            }

            Fail(new VectorFormatException("A worker failed.", e));
        }
    }

    private void ParseLine(ReadOnlySpan<byte> line, long row, long lineNumber, long offset)
    {
        line = line.TrimEnd(" \t\r"u8);
        if (line.IsEmpty)
        {
            throw Error($"The line is blank; every line holds a word and its vector.", lineNumber, offset);
        }

        var d = _dimension;
        int wordEnd;
        if (_layout == TextLayout.Word2Vec)
        {
            wordEnd = line.IndexOf((byte)' ');
            if (wordEnd < 0)
            {
                throw Error($"The line holds a word and no numbers; expected {d}.", lineNumber, offset);
            }
        }
        else
        {
            var spaces = line.Count((byte)' ');
            if (spaces < d)
            {
                throw Error($"The line holds {spaces} numbers after the word; expected {d} (the first line's count).", lineNumber, offset);
            }

            wordEnd = line.IndexOf((byte)' ');
            var allNumbers = true;
            for (var extra = spaces - d; extra > 0; extra--)
            {
                // The word contains spaces; if every extra field is a number the line rather has too many numbers.
                var next = line[(wordEnd + 1)..];
                var length = next.IndexOf((byte)' ');
                allNumbers &= DecimalFloatParser.TryParseToken(next[..length], out _);
                wordEnd += length + 1;
            }

            if (spaces > d && allNumbers)
            {
                throw Error($"The line holds {spaces} numbers after the word; expected {d} (the first line's count).", lineNumber, offset);
            }
        }

        var numbers = line[(wordEnd + 1)..];
        var destination = _store.Row(row);
        var pos = 0;
        for (var k = 0; k < d; k++)
        {
            var end = DecimalFloatParser.Parse(numbers, pos, out var value);
            if (end < 0)
            {
                var token = numbers[pos..];
                var space = token.IndexOf((byte)' ');
                token = space < 0 ? token : token[..space];
                var at = offset + wordEnd + 1 + pos;
                throw token.IsEmpty
                    ? Error($"Number {k + 1} of {d} is empty (two spaces in a row?).", lineNumber, at)
                    : Error($"Number {k + 1} of {d}, '{Show(token)}', is not a number.", lineNumber, at);
            }

            if (float.IsNaN(value) && !_allowNaN)
            {
                throw Error($"Number {k + 1} of {d} is NaN; set VectorReadOptions.AllowNaN to accept it.", lineNumber, offset + wordEnd + 1 + pos);
            }

            destination[k] = value;
            if (k == d - 1)
            {
                if (end != numbers.Length)
                {
                    throw Error($"The line holds {d + numbers[end..].Count((byte)' ')} numbers after the word; expected {d}.", lineNumber, offset);
                }
            }
            else if (end == numbers.Length)
            {
                throw Error($"The line holds {k + 1} numbers after the word; expected {d}.", lineNumber, offset);
            }

            pos = end + 1;
        }

        SetWord(line[..wordEnd], row, lineNumber, offset);
    }

    private void SetWord(ReadOnlySpan<byte> bytes, long row, long lineNumber, long offset)
    {
        if (Utf8.IsValid(bytes))
        {
            _store.SetEntry(row, Encoding.UTF8.GetString(bytes), offset);
            return;
        }

        switch (_options.Utf8)
        {
            case Utf8Policy.Replace:
                _store.SetEntry(row, Encoding.UTF8.GetString(bytes), offset);
                Interlocked.Increment(ref _replaced);
                break;
            case Utf8Policy.Skip:
                _store.SetEntry(row, null, offset);
                lock (_gate)
                {
                    _skipped.Add(new SkippedEntry(row, lineNumber, offset, "The word is not valid UTF-8."));
                }

                break;
            default:
                throw Error($"The word '{Show(bytes)}' is not valid UTF-8; {Utf8Advice}", lineNumber, offset + WordListFile.FirstInvalidUtf8(bytes));
        }
    }

    private void Fail(VectorFormatException error)
    {
        lock (_gate)
        {
            if (error.Line < _errorLine)
            {
                _error = error;
                Volatile.Write(ref _errorLine, error.Line);
            }
        }
    }

    private VectorFormatException Error(FormattableString message, long line, long offset) =>
        new(message.ToString(CultureInfo.InvariantCulture), _path, line, offset);

    /// <summary>Bytes for a message: at most 40, invalid UTF-8 shown as \xNN.</summary>
    internal static string Show(ReadOnlySpan<byte> bytes)
    {
        var sb = new StringBuilder();
        var shown = bytes[..Math.Min(bytes.Length, 40)];
        if (Utf8.IsValid(shown))
        {
            sb.Append(Encoding.UTF8.GetString(shown));
        }
        else
        {
            foreach (var b in shown)
            {
                sb.Append(b is >= 0x20 and < 0x7f ? ((char)b).ToString() : string.Create(CultureInfo.InvariantCulture, $"\\x{b:x2}"));
            }
        }

        return bytes.Length > 40 ? sb.Append('…').ToString() : sb.ToString();
    }
}
