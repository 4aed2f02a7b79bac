using System.Buffers.Binary;
using System.Globalization;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Unicode;

namespace EmbedSharp.Vectors.Formats.Word2VecBinary;

/// <summary>
/// Reads the word2vec binary layout sequentially: large reads into a buffer, each vector copied straight into its
/// row of the final matrix (read directly from the stream into the row when it straddles the buffer end).
/// </summary>
internal sealed class Word2VecBinaryReader
{
    private const int BufferSize = 1 << 20;
    private const int FirstReadBytes = 1 << 16;

    private readonly Stream _stream;
    private readonly string? _path;
    private readonly VectorReadOptions _options;
    private byte[] _buffer = new byte[FirstReadBytes]; // grown to BufferSize once the header is checked
    private int _pos;
    private int _valid;
    private bool _eof;
    private long _bufferOffset; // file offset of _buffer[0]
    private int _replaced;

    private Word2VecBinaryReader(Stream stream, string? path, VectorReadOptions options)
    {
        _stream = stream;
        _path = path;
        _options = options;
    }

    private long Offset => _bufferOffset + _pos;

    public static VectorReadResult Read(Stream stream, string? path, VectorReadOptions? options)
    {
        ArgumentNullException.ThrowIfNull(stream);
        options ??= VectorReadOptions.Default;
        options.Validate();
        return new Word2VecBinaryReader(stream, path, options).Run();
    }

    private VectorReadResult Run()
    {
        Fill();
        var (words, dimension) = ReadHeader();
        var limit = _options.Limit ?? long.MaxValue;
        var rows = Math.Min(words, limit);
        var rowBytes = 4 * dimension;
        if (_stream.CanSeek && rows > 0)
        {
            var remaining = _stream.Length - _stream.Position + (_valid - _pos);
            var needed = (Int128)rows * (rowBytes + 1);
            if (needed > remaining)
            {
                throw Error($"The header claims {words} words of {dimension} dimensions: {rows} entries need at least {needed} bytes but only {remaining} follow the header.", 0);
            }
        }

        var store = _stream.CanSeek ? RowStore.Fixed(rows, dimension) : RowStore.Growing(dimension);
        Array.Resize(ref _buffer, BufferSize);
        var skipped = new List<SkippedEntry>();
        long nextProgress = 0;
        for (long r = 0; r < rows; r++)
        {
            // Skip the '\n' that word2vec.c writes after each vector (gensim strips leading '\n' from words too).
            while (true)
            {
                if (_pos == _valid && !Fill())
                {
                    throw Error($"The file ends after {r} of the {words} entries the header claims.", Offset);
                }

                if (_buffer[_pos] != Word2VecBinaryConstants.VectorEnd)
                {
                    break;
                }

                _pos++;
            }

            var entryOffset = Offset;
            var space = FindWordEnd(r, words);
            if (!store.IsFixed && _valid - space - 1 < rowBytes)
            {
                // Unknown length (gzip, pipe): the row is stored only once its bytes are here, so a header claiming a
                // huge dimension over a small stream allocates no more than the stream holds.
                var wordLength = space - _pos;
                Buffer(wordLength + 1 + rowBytes);
                space = _pos + wordLength;
                if (_valid - space - 1 < rowBytes)
                {
                    throw Error($"The file ends inside entry {r}: its vector needs {rowBytes} bytes but only {_valid - space - 1} remain.", _bufferOffset + _valid);
                }
            }

            var wordBytes = _buffer.AsSpan(_pos, space - _pos);
            var word = Decode(wordBytes, r, entryOffset, skipped);
            store.Reserve(r + 1);
            store.SetEntry(r, word, entryOffset);
            _pos = space + 1;

            var row = store.Row(r);
            var bytes = MemoryMarshal.AsBytes(row);
            var inBuffer = Math.Min(_valid - _pos, rowBytes);
            _buffer.AsSpan(_pos, inBuffer).CopyTo(bytes);
            _pos += inBuffer;
            if (inBuffer < rowBytes)
            {
                var more = _stream.ReadAtLeast(bytes[inBuffer..], rowBytes - inBuffer, throwOnEndOfStream: false);
                _bufferOffset += more;
                if (more < rowBytes - inBuffer)
                {
                    throw Error($"The file ends inside entry {r} ('{TextVectorReader.Show(Encoding.UTF8.GetBytes(word ?? "?"))}'): its vector needs {rowBytes} bytes but only {inBuffer + more} remain.", Offset);
                }
            }

            if (!BitConverter.IsLittleEndian)
            {
                var ints = MemoryMarshal.Cast<float, int>(row);
                BinaryPrimitives.ReverseEndianness(ints, ints);
            }

            if (!_options.AllowNaN && float.IsNaN(TensorPrimitives.Sum<float>(row)))
            {
                var k = FirstNaN(row);
                if (k >= 0)
                {
                    throw Error($"Value {k + 1} of {dimension} of entry {r} is NaN; set VectorReadOptions.AllowNaN to accept it.", Offset - rowBytes + (4 * k));
                }
            }

            if (Offset >= nextProgress)
            {
                _options.Progress?.Report(Offset);
                nextProgress = Offset + (16 << 20);
            }
        }

        if (rows == words)
        {
            // Only line ends may follow the last vector.
            while (_pos < _valid || Fill())
            {
                var rest = _buffer.AsSpan(_pos, _valid - _pos);
                var other = rest.IndexOfAnyExcept(Word2VecBinaryConstants.VectorEnd);
                if (other >= 0)
                {
                    throw Error($"The header claims {words} words but more data follows the last vector.", Offset + other);
                }

                _pos = _valid;
            }
        }

        _options.Progress?.Report(Offset);
        return VectorResultBuilder.Build(store, rows, skipped, _options, _path, -1, _replaced);
    }

    private static int FirstNaN(ReadOnlySpan<float> row)
    {
        for (var i = 0; i < row.Length; i++)
        {
            if (float.IsNaN(row[i]))
            {
                return i;
            }
        }

        return -1; // the sum was NaN because of inf + -inf
    }

    private (long Words, int Dimension) ReadHeader()
    {
        if (_valid == 0)
        {
            throw Error($"The file is empty: a word2vec binary file starts with the header line 'V D'.", 0);
        }

        var head = _buffer.AsSpan(0, Math.Min(_valid, Word2VecBinaryConstants.MaxHeaderBytes));
        var newline = head.IndexOf((byte)'\n');
        if (newline < 0)
        {
            throw Error($"The first {head.Length} bytes hold no line end: a word2vec binary file starts with the header line 'V D'.", 0);
        }

        var header = head[..newline].TrimEnd(" \t\r"u8);
        var space = header.IndexOf((byte)' ');
        if (space <= 0
            || !long.TryParse(header[..space], NumberStyles.None, CultureInfo.InvariantCulture, out var words)
            || !long.TryParse(header[(space + 1)..].TrimStart((byte)' '), NumberStyles.None, CultureInfo.InvariantCulture, out var dims))
        {
            throw Error($"The header line should be 'V D' (word count and dimension) but is '{TextVectorReader.Show(header)}'.", 0);
        }

        if (dims < 1 || dims > Word2VecBinaryConstants.MaxDimension)
        {
            throw Error($"The header claims {dims} dimensions; the supported range is 1 to {Word2VecBinaryConstants.MaxDimension}.", 0);
        }

        _pos = newline + 1;
        return (words, (int)dims);
    }

    /// <summary>Index in <see cref="_buffer"/> of the space that ends the word starting at <see cref="_pos"/>
    /// (refilling as needed).</summary>
    private int FindWordEnd(long entry, long words)
    {
        var searched = 0;
        while (true)
        {
            var space = _buffer.AsSpan(_pos + searched, _valid - _pos - searched).IndexOf(Word2VecBinaryConstants.WordEnd);
            if (space >= 0)
            {
                return _pos + searched + space;
            }

            searched = _valid - _pos;
            if (searched > Word2VecBinaryConstants.MaxWordBytes)
            {
                throw Error($"Entry {entry} has no space within {Word2VecBinaryConstants.MaxWordBytes} bytes: words are followed by a space, then the vector (is the header's dimension right?).", Offset);
            }

            if (!Fill())
            {
                throw Error($"The file ends inside entry {entry} of the {words} the header claims: no space after the word.", _bufferOffset + _valid);
            }
        }
    }

    private string? Decode(ReadOnlySpan<byte> bytes, long entry, long offset, List<SkippedEntry> skipped)
    {
        if (Utf8.IsValid(bytes))
        {
            return Encoding.UTF8.GetString(bytes);
        }

        switch (_options.Utf8)
        {
            case Utf8Policy.Replace:
                _replaced++;
                return Encoding.UTF8.GetString(bytes);
            case Utf8Policy.Skip:
                skipped.Add(new SkippedEntry(entry, -1, offset, "The word is not valid UTF-8."));
                return null;
            default:
                throw Error($"The word '{TextVectorReader.Show(bytes)}' of entry {entry} is not valid UTF-8; {TextVectorReader.Utf8Advice}", offset);
        }
    }

    /// <summary>Reads until <paramref name="bytes"/> unread bytes are in the buffer or the data ends; the buffer grows
    /// (doubling, in <see cref="Fill"/>) only when it is full of bytes actually read.</summary>
    private void Buffer(long bytes)
    {
        while (_valid - _pos < bytes && Fill())
        {
        }
    }

    /// <summary>Moves the unread bytes to the front and reads more; false if nothing more could be read.</summary>
    private bool Fill()
    {
        if (_eof)
        {
            return false;
        }

        var keep = _valid - _pos;
        if (keep == _buffer.Length)
        {
            Array.Resize(ref _buffer, _buffer.Length * 2);
        }

        _buffer.AsSpan(_pos, keep).CopyTo(_buffer);
        _bufferOffset += _pos;
        _pos = 0;
        var read = _stream.ReadAtLeast(_buffer.AsSpan(keep), _buffer.Length - keep, throwOnEndOfStream: false);
        _eof = read < _buffer.Length - keep;
        _valid = keep + read;
        return read > 0;
    }

    private VectorFormatException Error(FormattableString message, long offset) =>
        new(message.ToString(CultureInfo.InvariantCulture), _path, -1, offset);
}
