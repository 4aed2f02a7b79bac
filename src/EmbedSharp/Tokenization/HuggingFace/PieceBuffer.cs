namespace EmbedSharp.Tokenization.HuggingFace;

/// <summary>
/// The working text of one encode: normalised UTF-16 characters, each with the span [start, end) of the input text it
/// stands for (Hugging Face's <c>NormalizedString</c> alignments, kept per UTF-16 unit and in input coordinates).
/// A transformation appends its result at the end and returns the new range; earlier ranges stay valid.
/// </summary>
internal sealed class PieceBuffer
{
    private char[] chars = new char[256];
    private int[] starts = new int[256];
    private int[] ends = new int[256];

    /// <summary>The number of units written.</summary>
    public int Length { get; private set; }

    /// <summary>The text of a range.</summary>
    public ReadOnlySpan<char> Text(int from, int to) => chars.AsSpan(from, to - from);

    /// <summary>The text of a piece.</summary>
    public ReadOnlySpan<char> Text(Piece piece) => chars.AsSpan(piece.Start, piece.Length);

    /// <summary>The input start of unit <paramref name="index"/>.</summary>
    public int SourceStart(int index) => starts[index];

    /// <summary>The input end of unit <paramref name="index"/>.</summary>
    public int SourceEnd(int index) => ends[index];

    /// <summary>The character at <paramref name="index"/>.</summary>
    public char this[int index] => chars[index];

    /// <summary>Forgets everything (the arrays are kept).</summary>
    public void Clear() => Length = 0;

    /// <summary>How many UTF-16 units the buffer holds before it grows.</summary>
    public int Capacity => chars.Length;

    /// <summary>Appends the input text, each unit aligned with itself.</summary>
    public Piece AppendSource(ReadOnlySpan<char> text)
    {
        var start = Length;
        Reserve(text.Length);
        text.CopyTo(chars.AsSpan(Length));
        for (var i = 0; i < text.Length; i++)
        {
            starts[Length + i] = i;
            ends[Length + i] = i + 1;
        }

        // A surrogate pair is one character: both units stand for both.
        for (var i = 0; i + 1 < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && char.IsLowSurrogate(text[i + 1]))
            {
                ends[Length + i] = i + 2;
                starts[Length + i + 1] = i;
                i++;
            }
        }

        Length += text.Length;
        return new Piece(start, Length);
    }

    /// <summary>Appends one unit with the given alignment.</summary>
    public void Append(char c, int sourceStart, int sourceEnd)
    {
        if (Length == chars.Length)
        {
            Reserve(1);
        }

        chars[Length] = c;
        starts[Length] = sourceStart;
        ends[Length++] = sourceEnd;
    }

    /// <summary>Appends a code point (one or two units) with the given alignment.</summary>
    public void Append(int codePoint, int sourceStart, int sourceEnd)
    {
        if (codePoint < 0x10000)
        {
            Append((char)codePoint, sourceStart, sourceEnd);
        }
        else
        {
            Append((char)(0xD800 + ((codePoint - 0x10000) >> 10)), sourceStart, sourceEnd);
            Append((char)(0xDC00 + ((codePoint - 0x10000) & 0x3FF)), sourceStart, sourceEnd);
        }
    }

    /// <summary>Appends a string, every unit with the alignment of unit <paramref name="alignWith"/>.</summary>
    public void Append(ReadOnlySpan<char> text, int alignWith)
    {
        var (s, e) = alignWith >= 0 ? (starts[alignWith], ends[alignWith]) : (0, 0);
        foreach (var c in text)
        {
            Append(c, s, e);
        }
    }

    /// <summary>Copies units [from, to) with their alignments to the end.</summary>
    public void Copy(int from, int to)
    {
        var n = to - from;
        Reserve(n);
        Array.Copy(chars, from, chars, Length, n);
        Array.Copy(starts, from, starts, Length, n);
        Array.Copy(ends, from, ends, Length, n);
        Length += n;
    }

    /// <summary>The input span [start, end) of units [from, to) (Hugging Face's <c>convert_offsets</c>: the first
    /// unit's start and the last unit's end).</summary>
    public (int Start, int End) SourceSpan(int from, int to) => from >= to ? (0, 0) : (starts[from], ends[to - 1]);

    /// <summary>
    /// Hugging Face's <c>NormalizedString::transform_range</c> over <paramref name="piece"/>: <paramref name="items"/>
    /// are the new code points, each with its change: 0 replaces the next old character (and takes its alignment),
    /// 1 is inserted (and takes the alignment of the old unit before the current position), −n replaces the next
    /// old character and removes the n after it. <paramref name="initialOffset"/> old characters at the start are
    /// removed first. Returns the new piece.
    /// </summary>
    public Piece Transform(Piece piece, List<(int CodePoint, int Change)> items, int initialOffset)
    {
        var start = Length;
        var pos = piece.Start;
        for (var k = 0; k < initialOffset && pos < piece.End; k++)
        {
            pos += Width(pos, piece.End);
        }

        foreach (var (cp, change) in items)
        {
            int s, e;
            if (change > 0)
            {
                (s, e) = pos - 1 >= piece.Start ? (starts[pos - 1], ends[pos - 1]) : (SourceStart(piece.Start), SourceStart(piece.Start));
            }
            else
            {
                var at = Math.Min(pos, piece.End - 1);
                (s, e) = (starts[at], ends[at]);
                if (pos < piece.End)
                {
                    pos += Width(pos, piece.End);
                }

                for (var k = 0; k < -change && pos < piece.End; k++)
                {
                    pos += Width(pos, piece.End);
                }
            }

            Append(cp, s, e);
        }

        return new Piece(start, Length, piece.AddedId);
    }

    /// <summary>Replaces every [start, end) of <paramref name="matches"/> (relative to the piece, ascending, not
    /// overlapping) by <paramref name="content"/>, whose units take the alignment of the match's last unit
    /// (Hugging Face's <c>NormalizedString::replace</c>).</summary>
    public Piece Replace(Piece piece, List<(int Start, int End)> matches, ReadOnlySpan<char> content)
    {
        var start = Length;
        var last = piece.Start;
        foreach (var (ms, me) in matches)
        {
            if (me <= ms)
            {
                continue;
            }

            Copy(last, piece.Start + ms);
            var (s, e) = (starts[piece.Start + me - 1], ends[piece.Start + me - 1]);
            foreach (var c in content)
            {
                Append(c, s, e);
            }

            last = piece.Start + me;
        }

        Copy(last, piece.End);
        return new Piece(start, Length, piece.AddedId);
    }

    /// <summary>The width (1 or 2 units) of the character at <paramref name="index"/>.</summary>
    public int Width(int index, int end)
        => char.IsHighSurrogate(chars[index]) && index + 1 < end && char.IsLowSurrogate(chars[index + 1]) ? 2 : 1;

    /// <summary>The code point at <paramref name="index"/> (a lone surrogate is itself).</summary>
    public int CodePoint(int index, int end)
        => Width(index, end) == 2 ? char.ConvertToUtf32(chars[index], chars[index + 1]) : chars[index];

    private void Reserve(int extra)
    {
        if (Length + extra <= chars.Length)
        {
            return;
        }

        var size = Math.Max(chars.Length * 2, Length + extra);
        Array.Resize(ref chars, size);
        Array.Resize(ref starts, size);
        Array.Resize(ref ends, size);
    }
}

/// <summary>A range [Start, End) of a <see cref="PieceBuffer"/>; <see cref="AddedId"/> ≥ 0 marks an added token the
/// model must not see.</summary>
internal readonly record struct Piece(int Start, int End, int AddedId = -1)
{
    public int Length => End - Start;
}
