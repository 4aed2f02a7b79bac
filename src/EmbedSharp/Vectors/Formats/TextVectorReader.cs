using System.Collections.Concurrent;
using System.Globalization;

namespace EmbedSharp.Vectors.Formats;

/// <summary>The two text layouts: word2vec / fastText .vec (a "V D" header line) and GloVe (no header).</summary>
internal enum TextLayout
{
    Word2Vec,
    Glove,
}

/// <summary>
/// Reads word2vec text / fastText .vec and GloVe text files, fast: the file is read in large blocks cut at line ends;
/// a pool of workers parses whole blocks straight into the rows of the final matrix (each block knows the index of
/// its first row because the reading thread counts line ends, which is vectorised); numbers are parsed from the
/// bytes by <see cref="DecimalFloatParser"/> with no string per number; each word is decoded once. The result never
/// depends on the thread count: rows are placed by line number and the error reported is the one on the earliest line.
/// </summary>
/// <remarks>
/// Line rules (both layouts): fields are separated by single spaces (what gensim, fastText and GloVe write; gensim
/// splits on " " too); trailing spaces, tabs and '\r' at the end of a line are ignored (fastText's .vec ends every
/// line with a space; CRLF files); blank lines at the end of the file are ignored, a blank line elsewhere is an error.
/// Word2vec text: the word is everything before the first space. GloVe: D is the number of fields of the first line
/// minus one; on every line the last D fields are the numbers and everything before them (spaces included) is the
/// word, which is how the few Common Crawl lines whose token contains a space read correctly.
/// Memory: with a file (or any seekable stream) the row count is known before parsing (word2vec: the header, checked
/// against the file length first; GloVe: a fast first pass that counts line ends), so rows are parsed in place into
/// the final matrix plus a few read blocks; for a non-seekable stream (.gz) rows go into growing segments that are
/// copied into the final matrix at the end (peak about twice the matrix).
/// </remarks>
internal sealed partial class TextVectorReader
{
    /// <summary>Longest accepted word2vec header line.</summary>
    public const int MaxHeaderBytes = 1024;

    /// <summary>Longest GloVe first line (the one the dimension is inferred from).</summary>
    private const int MaxFirstLineBytes = 1 << 28;

    /// <summary>Bytes read before the word2vec header has been checked.</summary>
    private const int FirstReadBytes = 1 << 16;

    /// <summary>Largest accepted dimension (a row of 64 MiB).</summary>
    public const int MaxDimension = 1 << 24;

    private readonly string? _path;
    private readonly TextLayout _layout;
    private readonly VectorReadOptions _options;
    private readonly bool _allowNaN;
    private readonly List<SkippedEntry> _skipped = [];
    private readonly Lock _gate = new();
    private RowStore _store = null!;
    private int _dimension;
    private long _firstLine; // 1-based line of row 0
    private long _rowsTarget; // rows to read (header V capped by the limit, counted lines, or the limit)
    private bool _stopAtTarget; // true: lines past the target are not read (limit); false: they are an error
    private long _headerWords = -1;
    private VectorFormatException? _error;
    private long _errorLine = long.MaxValue;
    private Exception? _fatal;
    private int _replaced;

    /// <summary>How to accept words that are not UTF-8, for the messages that refuse them.</summary>
    internal const string Utf8Advice =
        "to read such a file anyway, set VectorReadOptions.Utf8 to Replace (U+FFFD) or Skip (leave the entry out); embedsharp vectors: --utf8 replace or --utf8 skip.";

    private TextVectorReader(string? path, TextLayout layout, VectorReadOptions options)
    {
        _path = path;
        _layout = layout;
        _options = options;
        _allowNaN = options.AllowNaN;
    }

    public static VectorReadResult Read(Stream stream, string? path, TextLayout layout, VectorReadOptions? options)
    {
        ArgumentNullException.ThrowIfNull(stream);
        options ??= VectorReadOptions.Default;
        options.Validate();
        return new TextVectorReader(path, layout, options).Run(stream);
    }

    private VectorReadResult Run(Stream stream)
    {
        var limit = _options.Limit ?? long.MaxValue;
        var startPosition = stream.CanSeek ? stream.Position : 0;
        // A word2vec header is checked before the read blocks are allocated: a small first read is enough for it.
        var buffer = new byte[_layout == TextLayout.Word2Vec ? Math.Min(_options.BlockSize, FirstReadBytes) : _options.BlockSize];
        var valid = Fill(stream, buffer, 0, out var eof);
        int dataStart;
        if (_layout == TextLayout.Word2Vec)
        {
            dataStart = ReadHeader(buffer.AsSpan(0, valid), out var words, out _dimension);
            _headerWords = words;
            _firstLine = 2;
            _rowsTarget = Math.Min(words, limit);
            _stopAtTarget = _options.Limit is { } l && l <= words;
            if (stream.CanSeek && _rowsTarget > 0)
            {
                var remaining = stream.Length - stream.Position + (valid - dataStart);
                var needed = ((Int128)_rowsTarget * ((2 * (long)_dimension) + 2)) - 1; // "w" + D × " 0" + "\n" per row
                if (needed > remaining)
                {
                    throw Error(
                        $"The header claims {words} words of {_dimension} dimensions: {_rowsTarget} rows need at least {needed} bytes but only {remaining} follow the header.",
                        1, 0);
                }
            }

            _store = stream.CanSeek ? RowStore.Fixed(_rowsTarget, _dimension) : RowStore.Growing(_dimension);
            if (buffer.Length < _options.BlockSize)
            {
                var block = new byte[_options.BlockSize];
                buffer.AsSpan(0, valid).CopyTo(block);
                buffer = block;
                valid = eof ? valid : Fill(stream, buffer, valid, out eof);
            }
        }
        else
        {
            dataStart = 0;
            _firstLine = 1;
            while (!eof && buffer.AsSpan(0, valid).IndexOf((byte)'\n') < 0 && buffer.Length < MaxFirstLineBytes)
            {
                if (buffer.AsSpan(0, valid).Count((byte)' ') > MaxDimension)
                {
                    throw Error($"The first line has more than {MaxDimension} fields and no line end yet; at most {MaxDimension} dimensions are supported.", 1, 0);
                }

                Array.Resize(ref buffer, buffer.Length * 2); // a first line longer than a block
                valid = Fill(stream, buffer, valid, out eof);
            }

            _dimension = InferDimension(buffer.AsSpan(0, valid), eof);
            if (stream.CanSeek)
            {
                _rowsTarget = CountLines(stream, buffer, valid, eof, limit);
                stream.Position = startPosition;
                valid = Fill(stream, buffer, 0, out eof);
                _store = RowStore.Fixed(_rowsTarget, _dimension);
            }
            else
            {
                _rowsTarget = limit;
                _store = RowStore.Growing(_dimension);
            }

            _stopAtTarget = true;
        }

        var rows = Pump(stream, buffer, dataStart, valid, eof);
        return VectorResultBuilder.Build(_store, rows, _skipped, _options, _path, _firstLine, _replaced);
    }

    private int ReadHeader(ReadOnlySpan<byte> first, out long words, out int dimension)
    {
        if (first.IsEmpty)
        {
            throw Error($"The file is empty: a word2vec text file starts with the header line 'V D' (word count and dimension).", 1, 0);
        }

        var newline = first[..Math.Min(first.Length, MaxHeaderBytes)].IndexOf((byte)'\n');
        if (newline < 0)
        {
            throw Error($"The first {Math.Min(first.Length, MaxHeaderBytes)} bytes hold no line end: a word2vec text file starts with the header line 'V D'.", 1, 0);
        }

        var header = first[..newline].TrimEnd(" \t\r"u8);
        var space = header.IndexOf((byte)' ');
        if (space <= 0
            || !long.TryParse(header[..space], NumberStyles.None, CultureInfo.InvariantCulture, out words)
            || !long.TryParse(header[(space + 1)..].TrimStart((byte)' '), NumberStyles.None, CultureInfo.InvariantCulture, out var dims))
        {
            throw Error(
                $"The header line should be 'V D' (word count and dimension) but is '{Show(header)}'; a GloVe file (no header) is read with GloveFile.Read.",
                1, 0);
        }

        if (dims < 1 || dims > MaxDimension)
        {
            throw Error($"The header claims {dims} dimensions; the supported range is 1 to {MaxDimension}.", 1, 0);
        }

        dimension = (int)dims;
        return newline + 1;
    }

    private int InferDimension(ReadOnlySpan<byte> first, bool eof)
    {
        var newline = first.IndexOf((byte)'\n');
        if (newline < 0 && !eof)
        {
            throw Error($"The first line is longer than {first.Length} bytes.", 1, 0);
        }

        var line = (newline < 0 ? first : first[..newline]).TrimEnd(" \t\r"u8);
        if (line.IsEmpty)
        {
            throw first.IsEmpty
                ? Error($"The file is empty: no first line to infer the dimension from.", 1, 0)
                : Error($"The first line is blank: no line to infer the dimension from.", 1, 0);
        }

        var fields = line.Count((byte)' ');
        if (fields == 0)
        {
            throw Error($"The first line '{Show(line)}' has a word but no numbers, so the dimension cannot be inferred.", 1, 0);
        }

        if (fields > MaxDimension)
        {
            throw Error($"The first line has {fields} numbers; at most {MaxDimension} dimensions are supported.", 1, 0);
        }

        return fields;
    }

    /// <summary>First pass of a GloVe file: counts lines (up to the last non-blank one, at most
    /// <paramref name="limit"/>) at memory speed.</summary>
    private static long CountLines(Stream stream, byte[] buffer, int valid, bool eof, long limit)
    {
        long newlines = 0;
        long newlinesAfterContent = 0; // line ends after the last non-blank byte seen so far
        var anyContent = false;
        while (true)
        {
            var span = buffer.AsSpan(0, valid);
            var last = span.LastIndexOfAnyExcept(" \t\r\n"u8);
            var count = span.Count((byte)'\n');
            newlines += count;
            if (last >= 0)
            {
                anyContent = true;
                newlinesAfterContent = span[(last + 1)..].Count((byte)'\n');
            }
            else
            {
                newlinesAfterContent += count;
            }

            if (eof || newlines - newlinesAfterContent >= limit)
            {
                break;
            }

            valid = Fill(stream, buffer, 0, out eof);
        }

        var lines = anyContent ? newlines - newlinesAfterContent + 1 : 0;
        return Math.Min(lines, limit);
    }

    /// <summary>Reads blocks, cuts them at line ends, hands them to the workers and returns the rows read.</summary>
    private long Pump(Stream stream, byte[] buffer, int start, int valid, bool eof)
    {
        var workers = _options.MaxDegreeOfParallelism == -1 ? Environment.ProcessorCount : _options.MaxDegreeOfParallelism;
        var blockSize = _options.BlockSize;
        using var queue = workers > 1 ? new BlockingCollection<Block>(workers * 2) : null;
        var pool = new ConcurrentBag<byte[]>();
        var tasks = new Task[queue is null ? 0 : workers];
        for (var w = 0; w < tasks.Length; w++)
        {
            tasks[w] = Task.Factory.StartNew(
                () =>
                {
                    foreach (var block in queue!.GetConsumingEnumerable())
                    {
                        ParseBlock(block);
                        if (block.Buffer.Length == blockSize)
                        {
                            pool.Add(block.Buffer);
                        }
                    }
                },
                CancellationToken.None,
                TaskCreationOptions.LongRunning,
                TaskScheduler.Default);
        }

        long row = 0;
        long fileOffset = start; // offset of buffer[start]
        try
        {
            while (Volatile.Read(ref _errorLine) == long.MaxValue)
            {
                var span = buffer.AsSpan(start, valid - start);
                int cut; // end (exclusive, relative to start) of the whole lines in this block
                if (!eof)
                {
                    var lastNewline = span.LastIndexOf((byte)'\n');
                    if (lastNewline < 0)
                    {
                        // A line longer than the buffer: keep it and read more into a bigger buffer, up to the longest
                        // line D numbers can make (an endless line, or the wrong dimension, is refused there).
                        if (span.Length >= MaxLineBytes(_dimension))
                        {
                            throw Error(
                                $"The line goes on past {span.Length} bytes without a line end; a word and {_dimension} numbers take at most {MaxLineBytes(_dimension)} bytes (is this a vector file, and is the dimension right?).",
                                _firstLine + row, fileOffset);
                        }

                        var bigger = start == 0 ? new byte[checked(buffer.Length * 2)] : buffer;
                        span.CopyTo(bigger);
                        buffer = bigger;
                        start = 0;
                        valid = Fill(stream, buffer, span.Length, out eof);
                        continue;
                    }

                    cut = lastNewline + 1;
                }
                else
                {
                    // Final block: blank lines at the very end are ignored; a last line without a line end is what a
                    // file cut off in the middle looks like (every writer ends its lines with '\n'), so it is refused.
                    var last = span.LastIndexOfAnyExcept(" \t\r\n"u8);
                    var next = last < 0 ? -1 : span[last..].IndexOf((byte)'\n');
                    cut = last < 0 ? 0 : (next < 0 ? span.Length : last + next + 1);
                    if (next < 0 && last >= 0)
                    {
                        var lineStart = span[..last].LastIndexOf((byte)'\n') + 1;
                        var before = span[..lineStart].Count((byte)'\n');
                        if (row + before < _rowsTarget)
                        {
                            Fail(Error(
                                $"The file seems cut off: its last line ends without a line break after {span.Length - lineStart} bytes (every word-vector writer ends each line with one); if the line is complete, add the line break (echo >> file).",
                                _firstLine + row + before, fileOffset + lineStart));
                            cut = lineStart;
                        }
                    }
                }

                var whole = span[..cut];
                var lines = whole.Count((byte)'\n') + (cut > 0 && whole[^1] != (byte)'\n' ? 1 : 0);
                var done = eof;
                if (lines > _rowsTarget - row)
                {
                    // Keep only the lines up to the target; what follows is ignored (limit) or an error (header).
                    var allowed = (int)(_rowsTarget - row);
                    var end = 0;
                    for (var i = 0; i < allowed; i++)
                    {
                        end += whole[end..].IndexOf((byte)'\n') + 1;
                    }

                    if (!_stopAtTarget)
                    {
                        Fail(Error(
                            $"The header claims {_headerWords} words but the file holds more lines of vectors.",
                            _firstLine + _rowsTarget, fileOffset + end));
                    }

                    cut = end;
                    lines = allowed;
                    done = true;
                }

                var next2 = buffer;
                if (lines > 0 && !_store.IsFixed && (Int128)cut < ((Int128)lines * ((2 * (long)_dimension) + 2)) - 1)
                {
                    // Storage for rows of unknown count grows only by rows whose bytes are here: a line too short to
                    // hold D numbers is refused before any row is allocated for it (a header claiming a huge
                    // dimension over a small stream allocates nothing).
                    RefuseShortLine(whole, row, fileOffset);
                }

                if (lines > 0)
                {
                    _store.Reserve(row + lines);
                    var block = new Block(buffer, start, start + cut, row, _firstLine + row, fileOffset, lines);
                    if (queue is null)
                    {
                        ParseBlock(block);
                    }
                    else
                    {
                        queue.Add(block);
                        next2 = pool.TryTake(out var free) ? free : new byte[blockSize];
                    }
                }

                row += lines;
                fileOffset += cut;
                _options.Progress?.Report(fileOffset);
                if (done)
                {
                    break;
                }

                var tail = buffer.AsSpan(start + cut, valid - start - cut);
                if (next2.Length < tail.Length + 1)
                {
                    next2 = new byte[Math.Max(blockSize, tail.Length * 2)];
                }

                tail.CopyTo(next2);
                buffer = next2;
                start = 0;
                valid = Fill(stream, buffer, tail.Length, out eof);
            }
        }
        finally
        {
            queue?.CompleteAdding();
            Task.WaitAll(tasks);
        }

        if (_fatal is not null)
        {
            throw _fatal;
        }

        if (_error is null && row < _rowsTarget && !_stopAtTarget)
        {
            Fail(Error($"The header claims {_headerWords} words but the file ends after {row}.", _firstLine + row, fileOffset));
        }

        if (_error is not null)
        {
            throw _error;
        }

        return row;
    }

    /// <summary>The longest line accepted: a word of up to 1 MiB and D numbers of up to 64 characters each.</summary>
    private static long MaxLineBytes(int dimension) => (1L << 20) + (64L * dimension);

    /// <summary>Throws for the first line of <paramref name="lines"/> that has fewer than D fields after its word; the
    /// caller knows one is too short (rare: only a malformed or truncated stream gets here).</summary>
    private void RefuseShortLine(ReadOnlySpan<byte> lines, long row, long fileOffset)
    {
        var pos = 0;
        for (long i = 0; pos < lines.Length; i++)
        {
            var length = lines[pos..].IndexOf((byte)'\n');
            var line = (length < 0 ? lines[pos..] : lines.Slice(pos, length)).TrimEnd(" \t\r"u8);
            var spaces = line.Count((byte)' ');
            if (spaces < _dimension)
            {
                throw line.IsEmpty
                    ? Error($"The line is blank; every line holds a word and its vector.", _firstLine + row + i, fileOffset + pos)
                    : Error($"The line holds {spaces} numbers after the word; expected {_dimension}.", _firstLine + row + i, fileOffset + pos);
            }

            pos += length < 0 ? lines.Length - pos : length + 1;
        }
    }

    /// <summary>Reads until <paramref name="buffer"/> is full or the stream ends; returns the bytes now valid.</summary>
    private static int Fill(Stream stream, byte[] buffer, int start, out bool eof)
    {
        var read = stream.ReadAtLeast(buffer.AsSpan(start), buffer.Length - start, throwOnEndOfStream: false);
        eof = read < buffer.Length - start;
        return start + read;
    }

    private readonly record struct Block(byte[] Buffer, int Start, int End, long FirstRow, long FirstLine, long FileOffset, int Lines);
}
